// StreamParser: parse_completion's algorithm (CHAT_FORMAT.md section 9) made resumable.
// Each step of that algorithm is a find_first over a set of markers. Here a step runs as
// soon as its marker is in the buffer (no marker of these sets contains another, so the
// first one found is the first one of the whole text); without it the step waits, except
// that reasoning/content stream out up to a tail that could still begin a marker. At
// finish() the "not found" branches run as parse_completion runs them at the end of text.
#include "chat/stream.h"

#include <algorithm>

#include "chat/literals.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

using detail::Hit;

size_t longest(std::initializer_list<std::string_view> needles) {
  size_t n = 0;
  for (auto s : needles) n = std::max(n, s.size());
  return n;
}

// Whether `avail` is a prefix of lead + N for some needle N (more text may complete it).
bool could_become(std::string_view avail, std::string_view lead, std::initializer_list<std::string_view> needles) {
  for (std::string_view n : needles) {
    std::string full = std::string(lead) + std::string(n);
    if (avail.size() <= full.size() && std::string_view(full).substr(0, avail.size()) == avail) return true;
  }
  return false;
}

// The length of the longest suffix of `s` that is a proper prefix of a needle.
size_t marker_tail(std::string_view s, std::initializer_list<std::string_view> needles) {
  size_t best = 0;
  for (std::string_view n : needles) {
    for (size_t k = std::min(n.size() - 1, s.size()); k > best; --k) {
      if (s.substr(s.size() - k) == n.substr(0, k)) {
        best = k;
        break;
      }
    }
  }
  return best;
}

// `to` moved back so that s[from, to) does not end inside a UTF-8 character.
size_t utf8_boundary(std::string_view s, size_t from, size_t to) {
  for (size_t back = 1; back <= 3 && to >= from + back; ++back) {
    unsigned char c = static_cast<unsigned char>(s[to - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    return need > back ? to - back : to;
  }
  return to;
}

}  // namespace

void apply_delta(AssistantMessage& msg, const Delta& d) {
  switch (d.kind) {
    case Delta::Kind::Reasoning: msg.reasoning_content += d.text; break;
    case Delta::Kind::Content: msg.content += d.text; break;
    case Delta::Kind::ToolCallStart: msg.tool_calls.push_back(ToolCall{d.id, d.name, ""}); break;
    case Delta::Kind::ToolCallArgs:
      if (d.index < 0 || static_cast<size_t>(d.index) >= msg.tool_calls.size()) {
        throw Error("tool-call arguments delta for unknown tool call " + std::to_string(d.index));
      }
      msg.tool_calls[d.index].arguments += d.text;
      break;
  }
}

StreamParser::StreamParser(bool thinking, std::string call_id_prefix, detail::BlockSyntax syntax)
    : thinking_(thinking),
      id_prefix_(std::move(call_id_prefix)),
      syntax_(syntax),
      state_(thinking ? State::Reasoning : State::Content) {}

std::vector<Delta> StreamParser::feed(std::string_view chunk) {
  if (finished_) throw Error("StreamParser::feed called after finish()");
  buf_.append(chunk);
  run(false);
  compact();
  return std::exchange(out_, {});
}

std::vector<Delta> StreamParser::finish() {
  if (finished_) throw Error("StreamParser::finish called twice");
  finished_ = true;
  run(true);
  return std::exchange(out_, {});
}

void StreamParser::run(bool at_end) {
  while (step(at_end)) {
  }
}

Hit StreamParser::search(std::initializer_list<std::string_view> needles) {
  size_t from = std::max(pos_, scan_);
  Hit h = detail::find_first(buf_, from, needles);
  if (h.which < 0) {
    // No needle starts before here: one starting earlier would already be complete.
    size_t keep = longest(needles) - 1;
    scan_ = std::max(from, buf_.size() > keep ? buf_.size() - keep : 0);
  }
  return h;
}

void StreamParser::emit_text(Delta::Kind kind, size_t from, size_t to) {
  if (to <= from) return;
  emitted_ = to;
  if (!out_.empty() && out_.back().kind == kind) {
    out_.back().text.append(buf_, from, to - from);
    return;
  }
  Delta d;
  d.kind = kind;
  d.text = buf_.substr(from, to - from);
  out_.push_back(std::move(d));
}

bool StreamParser::stream_segment(std::initializer_list<std::string_view> needles, Delta::Kind kind, bool at_end,
                                  Hit& hit) {
  hit = search(needles);
  if (hit.which >= 0) {
    emit_text(kind, emitted_, hit.pos);
    return true;
  }
  if (at_end) {
    emit_text(kind, emitted_, buf_.size());
    return true;
  }
  // Hold back a tail that could begin a marker, and an incomplete UTF-8 character.
  size_t hold = marker_tail(std::string_view(buf_).substr(emitted_), needles);
  size_t to = utf8_boundary(buf_, emitted_, buf_.size() - hold);
  emit_text(kind, emitted_, to);
  pos_ = std::min(emitted_, scan_);
  return false;
}

void StreamParser::commit_call() {
  Delta start;
  start.kind = Delta::Kind::ToolCallStart;
  start.index = n_calls_;
  if (!id_prefix_.empty()) start.id = id_prefix_ + std::to_string(n_calls_);
  start.name = std::move(name_);
  Delta args;
  args.kind = Delta::Kind::ToolCallArgs;
  args.index = n_calls_;
  args.text = detail::arguments_json(params_, syntax_.verbatim_values);
  out_.push_back(std::move(start));
  out_.push_back(std::move(args));
  ++n_calls_;
  name_.clear();
  params_.clear();
  raw_from_ = pos_;
}

// The block is certainly malformed: its text not yet turned into tool calls is content.
void StreamParser::fail() {
  pos_ = scan_ = emitted_ = raw_from_;
  state_ = State::Raw;
}

bool StreamParser::step(bool at_end) {
  auto go = [this](State s, size_t p) {
    state_ = s;
    pos_ = scan_ = emitted_ = p;
  };
  const std::string_view buf(buf_);
  Hit h;
  switch (state_) {
    case State::Reasoning:
      if (!stream_segment({lit::kThinkClose, lit::kEos}, Delta::Kind::Reasoning, at_end, h)) return false;
      if (h.which < 0) {
        go(State::AfterEos, buf_.size());  // reasoning never closed (truncated)
        return false;
      }
      // After "</think>" the answer; after EOS (a rejected text) only trailing text.
      go(h.which == 0 ? State::Content : State::AfterEos, h.end);
      return true;

    case State::Content:
      if (!stream_segment({lit::kEos, syntax_.opener}, Delta::Kind::Content, at_end, h)) return false;
      if (h.which < 0) {
        go(State::AfterEos, buf_.size());  // no EOS (truncated answer)
        return false;
      }
      if (h.which == 0) {
        go(State::AfterEos, h.end);
      } else {
        raw_from_ = h.pos;
        go(State::BlockNext, h.end);
      }
      return true;

    case State::BlockNext:  // step 3a: ">\n", then an invoke or the closing tag
      if (pos_ == buf_.size()) {
        if (!at_end) return false;
        go(State::AfterBlock, pos_);  // the block may end the text here
        return true;
      }
      h = search({lit::kInvokeStart, syntax_.close});
      if (h.which < 0 && !at_end) {
        if (!could_become(buf.substr(pos_), ">\n", {lit::kInvokeStart, syntax_.close})) fail();
        return state_ == State::Raw;
      }
      if (buf.substr(pos_, h.pos - pos_) != ">\n" || h.which < 0) {
        fail();
        return true;
      }
      go(h.which == 1 ? State::AfterBlock : State::InvokeHeader, h.end);
      return true;

    case State::InvokeHeader:  // step 3b
      h = search({lit::kParamStart, lit::kInvokeEnd});
      if (h.which < 0 && !at_end) {
        if (!detail::invoke_header_could_match(buf.substr(pos_))) fail();
        return state_ == State::Raw;
      }
      if (!detail::match_invoke_header(buf.substr(pos_, h.pos - pos_), name_)) {
        fail();
        return true;
      }
      params_.clear();
      if (h.which == 0) {
        go(State::ParamBody, h.end);
      } else {
        go(State::BlockNext, h.end);
        commit_call();
      }
      return true;

    case State::ParamBody: {  // step 3c: up to "/｜DSML｜parameter"
      h = search({lit::kParamEndNoLt});
      if (h.which < 0 && !at_end) {
        std::string_view avail = buf.substr(pos_);
        constexpr std::string_view kHead = " name=\"";
        bool consistent = avail.size() <= kHead.size() ? kHead.substr(0, avail.size()) == avail
                                                       : avail.substr(0, kHead.size()) == kHead;
        if (!consistent) fail();
        return state_ == State::Raw;
      }
      detail::Param p;
      bool ok = detail::match_param_body(buf.substr(pos_, h.pos - pos_), p);
      for (const auto& q : params_) ok = ok && q.key != p.key;
      if (!ok) {
        fail();
        return true;
      }
      params_.push_back(std::move(p));
      go(State::ParamGap, h.end);
      return true;
    }

    case State::ParamGap:  // step 3c: ">\n", then the next parameter or the invoke's end
      h = search({lit::kParamStart, lit::kInvokeEnd});
      if (h.which < 0 && !at_end) {
        if (!could_become(buf.substr(pos_), ">\n", {lit::kParamStart, lit::kInvokeEnd})) fail();
        return state_ == State::Raw;
      }
      if (buf.substr(pos_, h.pos - pos_) != ">\n") {
        fail();
        return true;
      }
      if (h.which == 0) {
        go(State::ParamBody, h.end);
      } else {
        go(State::BlockNext, h.end);
        commit_call();
      }
      return true;

    case State::AfterBlock: {  // step 4: nothing but an optional EOS
      h = search({lit::kEos});
      std::string_view rest = buf.substr(pos_);
      if (h.which < 0 && (rest.empty() || (!at_end && could_become(rest, "", {lit::kEos})))) return false;
      if (h.which < 0 || h.pos != pos_) {
        raw_from_ = pos_;  // text after the block: rejected, delivered as content
        fail();
        return true;
      }
      go(State::AfterEos, h.end);
      return true;
    }

    case State::Raw:
      if (!stream_segment({lit::kEos}, Delta::Kind::Content, at_end, h)) return false;
      go(State::AfterEos, h.which < 0 ? buf_.size() : h.end);
      return h.which >= 0;

    case State::AfterEos: {  // text after EOS is rejected: delivered verbatim as content
      size_t to = at_end ? buf_.size() : utf8_boundary(buf_, emitted_, buf_.size());
      emit_text(Delta::Kind::Content, emitted_, to);
      pos_ = scan_ = emitted_;
      return false;
    }
  }
  return false;
}

void StreamParser::compact() {
  bool in_block = state_ == State::BlockNext || state_ == State::InvokeHeader || state_ == State::ParamBody ||
                  state_ == State::ParamGap || state_ == State::AfterBlock;
  size_t keep = in_block ? raw_from_ : std::min(pos_, emitted_);
  if (keep < 4096 || keep * 2 < buf_.size()) return;  // drop only large, mostly consumed prefixes
  buf_.erase(0, keep);
  auto shift = [keep](size_t& x) { x = x >= keep ? x - keep : 0; };
  shift(pos_);
  shift(emitted_);
  shift(scan_);
  shift(raw_from_);
}

}  // namespace dseek::chat
