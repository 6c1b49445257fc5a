// CallStreamParser: parse_completion's steps (parse.cc), each run as soon as the marker that
// ends it is in the buffer; the markers of one step never contain each other, so the first one
// found is the first one of the whole text. At finish() the "not found" branches run as
// parse_completion runs them at the end of the text.
#include "chat/v3/stream.h"

#include <algorithm>
#include <utility>

#include "chat/dsml_match.h"
#include "chat/literals.h"
#include "chat/stream_text.h"
#include "chat/v3/literals.h"
#include "runtime/error.h"

namespace dseek::chat::v3::detail {
namespace {

namespace base = chat::lit;

// Whether `rest` is a proper prefix of `marker` (more text may complete it).
bool could_begin(std::string_view rest, std::string_view marker) {
  return rest.size() < marker.size() && marker.substr(0, rest.size()) == rest;
}

}  // namespace

CallStreamParser::CallStreamParser(bool thinking, std::string call_id_prefix, CallLayout layout)
    : id_prefix_(std::move(call_id_prefix)), layout_(layout), state_(thinking ? State::Reasoning : State::Content) {}

std::vector<Delta> CallStreamParser::feed(std::string_view chunk) {
  if (finished_) throw Error("StreamParser::feed called after finish()");
  buf_.append(chunk);
  while (step(false)) {
  }
  compact();
  return std::exchange(out_, {});
}

std::vector<Delta> CallStreamParser::finish() {
  if (finished_) throw Error("StreamParser::finish called twice");
  finished_ = true;
  while (step(true)) {
  }
  return std::exchange(out_, {});
}

void CallStreamParser::go(State s, size_t p) {
  state_ = s;
  pos_ = emitted_ = scan_ = p;
}

void CallStreamParser::emit_text(Delta::Kind kind, size_t to) {
  if (to <= emitted_) return;
  if (!out_.empty() && out_.back().kind == kind) {
    out_.back().text.append(buf_, emitted_, to - emitted_);
  } else {
    Delta d;
    d.kind = kind;
    d.text = buf_.substr(emitted_, to - emitted_);
    out_.push_back(std::move(d));
  }
  emitted_ = to;
}

// Streams buf_[emitted_, ...) as `kind` up to the first needle (true; `which` its index, or -1
// at the end of the text) or, while more text may come, up to a tail that could begin one
// (false).
bool CallStreamParser::stream_segment(std::initializer_list<std::string_view> needles, Delta::Kind kind, bool at_end,
                                      size_t& at, size_t& end, int& which) {
  const chat::detail::Hit h = chat::detail::find_first(buf_, emitted_, needles);
  if (h.which >= 0 || at_end) {
    emit_text(kind, h.pos);
    at = h.pos;
    end = h.end;
    which = h.which;
    return true;
  }
  const size_t hold = chat::detail::marker_tail(std::string_view(buf_).substr(emitted_), needles);
  emit_text(kind, chat::detail::utf8_boundary(buf_, emitted_, buf_.size() - hold));
  pos_ = emitted_;
  return false;
}

void CallStreamParser::commit(ToolCall call) {
  Delta start;
  start.kind = Delta::Kind::ToolCallStart;
  start.index = n_calls_;
  if (!id_prefix_.empty()) start.id = id_prefix_ + std::to_string(n_calls_);
  start.name = std::move(call.name);
  Delta args;
  args.kind = Delta::Kind::ToolCallArgs;
  args.index = n_calls_;
  args.text = std::move(call.arguments);
  out_.push_back(std::move(start));
  out_.push_back(std::move(args));
  ++n_calls_;
}

// The block is certainly malformed: its text not yet turned into tool calls is content.
void CallStreamParser::fail() { go(State::Raw, raw_from_); }

bool CallStreamParser::step(bool at_end) {
  const std::string_view buf(buf_);
  size_t at = 0, end = 0;
  int which = -1;
  switch (state_) {
    case State::Reasoning:
      if (!stream_segment({base::kThinkClose, base::kEos}, Delta::Kind::Reasoning, at_end, at, end, which)) return false;
      if (which < 0) {
        go(State::AfterEos, buf_.size());  // reasoning never closed (truncated)
        return false;
      }
      go(which == 0 ? State::Content : State::AfterEos, end);
      return true;

    case State::Content:
      if (!stream_segment({base::kEos, lit::kCallsBegin}, Delta::Kind::Content, at_end, at, end, which)) return false;
      if (which < 0) {
        go(State::AfterEos, buf_.size());  // no EOS: the answer ends with the text
        return false;
      }
      if (which == 1) raw_from_ = at;
      go(which == 0 ? State::AfterEos : State::Block, end);
      return true;

    case State::Block: {  // whitespace, then a call or the block's end
      size_t p = pos_;
      while (p < buf.size() && is_block_space(buf[p])) ++p;
      const std::string_view rest = buf.substr(p);
      if (rest.substr(0, lit::kCallsEnd.size()) == lit::kCallsEnd) {
        if (n_calls_ == 0) {
          fail();  // an empty block
        } else {
          go(State::AfterBlock, p + lit::kCallsEnd.size());
        }
        return true;
      }
      if (rest.substr(0, lit::kCallBegin.size()) == lit::kCallBegin) {
        go(State::Call, p + lit::kCallBegin.size());
        return true;
      }
      if (!at_end && (rest.empty() || could_begin(rest, lit::kCallsEnd) || could_begin(rest, lit::kCallBegin))) return false;
      fail();
      return true;
    }

    case State::Call: {  // the body up to <｜tool▁call▁end｜>
      const size_t close = buf.find(lit::kCallEnd, std::max(pos_, scan_));
      if (close == std::string_view::npos) {
        if (at_end) {
          fail();
          return true;
        }
        const size_t keep = lit::kCallEnd.size() - 1;
        scan_ = std::max(pos_, buf.size() > keep ? buf.size() - keep : 0);
        return false;
      }
      ToolCall call;
      if (!parse_call_body(buf.substr(pos_, close - pos_), layout_, call).empty()) {
        fail();
        return true;
      }
      commit(std::move(call));
      go(State::Block, close + lit::kCallEnd.size());
      raw_from_ = pos_;
      return true;
    }

    case State::AfterBlock: {  // nothing but an optional EOS
      const std::string_view rest = buf.substr(pos_);
      if (rest.substr(0, base::kEos.size()) == base::kEos) {
        go(State::AfterEos, pos_ + base::kEos.size());
        return true;
      }
      if (rest.empty() || (!at_end && could_begin(rest, base::kEos))) return false;
      raw_from_ = pos_;  // text after the block: rejected, delivered as content
      fail();
      return true;
    }

    case State::Raw:
      if (!stream_segment({base::kEos}, Delta::Kind::Content, at_end, at, end, which)) return false;
      go(State::AfterEos, which < 0 ? buf_.size() : end);
      return which >= 0;

    case State::AfterEos:  // text after EOS is rejected: delivered verbatim as content
      emit_text(Delta::Kind::Content, at_end ? buf_.size() : chat::detail::utf8_boundary(buf_, emitted_, buf_.size()));
      pos_ = emitted_;
      return false;
  }
  return false;
}

void CallStreamParser::compact() {
  const bool in_block = state_ == State::Block || state_ == State::Call || state_ == State::AfterBlock;
  const size_t keep = in_block ? raw_from_ : std::min(pos_, emitted_);
  if (keep < 4096 || keep * 2 < buf_.size()) return;  // drop only large, mostly consumed prefixes
  buf_.erase(0, keep);
  for (size_t* x : {&pos_, &emitted_, &scan_, &raw_from_}) *x = *x >= keep ? *x - keep : 0;
}

}  // namespace dseek::chat::v3::detail
