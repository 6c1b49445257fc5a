// StreamParser: parse_completion's algorithm (CHAT_FORMAT.md section 9) made resumable.
// Each step of that algorithm is a find_first over a set of markers. Here a step runs as
// soon as its marker is in the buffer (no marker of these sets contains another, so the
// first one found is the first one of the whole text); without it the step waits, except
// that reasoning/content stream out up to a tail that could still begin a marker. At
// finish() the "not found" branches run as parse_completion runs them at the end of text.
#include "chat/stream.h"

#include <algorithm>

#include "chat/json_syntax.h"
#include "chat/literals.h"
#include "chat/python_json.h"
#include "chat/stream_text.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

using detail::Hit;
using detail::marker_tail;
using detail::utf8_boundary;

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

void StreamParser::emit_args(std::string text) {
  if (text.empty()) return;
  if (!out_.empty() && out_.back().kind == Delta::Kind::ToolCallArgs && out_.back().index == n_calls_) {
    out_.back().text += text;
    return;
  }
  Delta d;
  d.kind = Delta::Kind::ToolCallArgs;
  d.index = n_calls_;
  d.text = std::move(text);
  out_.push_back(std::move(d));
}

// Incremental mode: the call is announced as soon as its header is known.
void StreamParser::start_call() {
  Delta start;
  start.kind = Delta::Kind::ToolCallStart;
  start.index = n_calls_;
  if (!id_prefix_.empty()) start.id = id_prefix_ + std::to_string(n_calls_);
  start.name = name_;
  out_.push_back(std::move(start));
  emit_args("{");
}

void StreamParser::commit_call() {
  if (incremental_) {
    emit_args("}");
    ++n_calls_;
    name_.clear();
    params_.clear();
    raw_from_ = pos_;
    return;
  }
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
  param_head_ = false;
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
      if (incremental_) start_call();
      if (h.which == 0) {
        go(State::ParamBody, h.end);
      } else {
        go(State::BlockNext, h.end);
        commit_call();
      }
      return true;

    case State::ParamBody: {  // step 3c: up to "/｜DSML｜parameter"
      if (incremental_) return param_incremental(at_end);
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

// Step 3c for incremental arguments: the parameter's `"KEY": ` as soon as its head is
// certain, a string value's escaped text up to what could still end it, the rest once the
// body ends (the same checks as match_param_body: a complete body matches it exactly when
// it has this head and ends in "<" or "<\n").
bool StreamParser::param_incremental(bool at_end) {
  const std::string_view buf(buf_);
  Hit h = search({lit::kParamEndNoLt});
  if (!param_head_) {
    size_t head_len = 0;
    int r = detail::match_param_head(buf.substr(pos_, h.pos - pos_), param_, head_len);
    if (r == 0 && h.which < 0 && !at_end) return false;
    bool ok = r == 1;
    for (const auto& q : params_) ok = ok && q.key != param_.key;
    if (!ok) {
      fail();
      return true;
    }
    param_head_ = true;
    value_from_ = value_emitted_ = pos_ + head_len;
    emit_args((params_.empty() ? "" : ", ") + py_dumps_string(param_.key) + ": " + (param_.is_string ? "\"" : ""));
  }
  auto escaped = [](std::string_view v) {
    std::string e = py_dumps_string(v);
    return e.substr(1, e.size() - 2);
  };
  if (h.which < 0) {
    if (at_end) {  // truncated inside the parameter: the block is malformed
      fail();
      return true;
    }
    if (param_.is_string) {
      // The closing tag cannot start before the tail that could still begin it, and the value
      // ends before the "<" or "<\n" in front of that tag: hold those back too.
      size_t safe = buf_.size() - detail::marker_tail(buf.substr(value_emitted_), {lit::kParamEndNoLt});
      if (safe > value_emitted_ && buf[safe - 1] == '<')
        --safe;
      else if (safe >= value_emitted_ + 2 && buf.substr(safe - 2, 2) == "<\n")
        safe -= 2;
      safe = detail::utf8_boundary(buf_, value_emitted_, safe);
      if (safe > value_emitted_) {
        emit_args(escaped(buf.substr(value_emitted_, safe - value_emitted_)));
        value_emitted_ = safe;
      }
    }
    return false;
  }
  std::string_view body = buf.substr(pos_, h.pos - pos_);
  size_t value_end = body.ends_with("<\n") ? h.pos - 2 : body.ends_with("<") ? h.pos - 1 : std::string_view::npos;
  if (value_end == std::string_view::npos || value_end < value_from_) {
    fail();
    return true;
  }
  param_.value = buf_.substr(value_from_, value_end - value_from_);
  if (param_.is_string) {
    emit_args(escaped(buf.substr(value_emitted_, value_end - value_emitted_)) + "\"");
  } else {
    emit_args(syntax_.verbatim_values || is_json_text(param_.value) ? param_.value : py_dumps_string(param_.value));
  }
  params_.push_back(std::move(param_));
  param_ = {};
  param_head_ = false;
  state_ = State::ParamGap;
  pos_ = scan_ = emitted_ = h.end;
  return true;
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
  shift(value_from_);
  shift(value_emitted_);
}

}  // namespace dseek::chat
