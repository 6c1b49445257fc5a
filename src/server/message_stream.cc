#include "server/message_stream.h"

#include <algorithm>

#include "chat/literals.h"
#include "runtime/error.h"

namespace dseek::server {

namespace lit = chat::lit;
using Kind = chat::Delta::Kind;

MessageStream::MessageStream(bool thinking, std::string call_id_prefix, const ChatCodec& codec, bool incremental)
    : thinking_(thinking), incremental_(incremental && codec.incremental_calls()), codec_(codec),
      parser_(codec.stream_parser(thinking, std::move(call_id_prefix), incremental_)) {}

std::vector<chat::Delta> MessageStream::feed(std::string_view text) {
  text_.append(text);
  std::vector<chat::Delta> out;
  route(parser_->feed(text), out);
  return out;
}

void MessageStream::route(std::vector<chat::Delta> in, std::vector<chat::Delta>& out) {
  for (auto& d : in) {
    if (d.kind == Kind::ToolCallStart) in_block_ = true;
    if (!holding_ && in_block_) {
      // Incremental: calls of offered tools go out as they come; text after a call may be a
      // malformed block's tail, so it waits for the judgment, and so does a call not offered.
      if (!incremental_)
        holding_ = true;
      else if (d.kind == Kind::ToolCallStart)
        holding_ = !offered(d.name);
      else
        holding_ = d.kind == Kind::Content || d.kind == Kind::Reasoning;
    }
    if (holding_) {
      held_.push_back(std::move(d));
      continue;
    }
    if (!in_block_)
      (d.kind == Kind::Reasoning ? reasoning_bytes_ : content_bytes_) += d.text.size();
    else if (d.kind == Kind::ToolCallStart)
      ++streamed_calls_;
    out.push_back(std::move(d));
  }
}

void MessageStream::set_offered_tools(std::vector<std::string> names) {
  restricted_ = true;
  offered_ = std::move(names);
}

bool MessageStream::offered(const std::string& name) const {
  return !restricted_ || std::find(offered_.begin(), offered_.end(), name) != offered_.end();
}

// Calls released before finish() were offered; the held ones decide.
bool MessageStream::names_offered() const {
  for (const auto& d : held_)
    if (d.kind == Kind::ToolCallStart && !offered(d.name)) return false;
  return true;
}

// The text before the first tool call is reasoning ["</think>"] content, then the opener.
bool MessageStream::block_accepted() const {
  size_t opener = reasoning_bytes_ + content_bytes_ + (thinking_ ? lit::kThinkClose.size() : 0);
  if (text_.compare(opener, codec_.opener.size(), codec_.opener) != 0) return true;  // not a block: trust the parser
  size_t close = text_.find(codec_.calls_close, opener);
  size_t end = close == std::string::npos ? text_.size() : close + codec_.calls_close.size();
  try {
    codec_.parse(std::string_view(text_).substr(0, end), thinking_);
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<chat::Delta> MessageStream::finish() {
  std::vector<chat::Delta> out;
  route(parser_->finish(), out);
  if (!in_block_) return out;
  if (names_offered() && block_accepted()) {
    released_calls_ = streamed_calls_;
    for (auto& d : held_) {
      if (d.kind == Kind::ToolCallStart) ++released_calls_;
      out.push_back(std::move(d));
    }
  } else {
    // The whole block, verbatim, as content; the EOS that ended generation is not text.
    size_t opener = reasoning_bytes_ + content_bytes_ + (thinking_ ? lit::kThinkClose.size() : 0);
    std::string raw = text_.substr(opener);
    if (size_t eos = raw.find(lit::kEos); eos != std::string::npos) raw.erase(eos, lit::kEos.size());
    chat::Delta d;
    d.kind = Kind::Content;
    d.text = std::move(raw);
    out.push_back(std::move(d));
  }
  held_.clear();
  return out;
}

void apply_deltas(chat::AssistantMessage& msg, const std::vector<chat::Delta>& deltas) {
  for (const auto& d : deltas) chat::apply_delta(msg, d);
}

}  // namespace dseek::server
