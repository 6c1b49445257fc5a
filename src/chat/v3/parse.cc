// parse_completion: FORMAT.md section 5 (V3) / section 7 (V3.1), step by step.
#include "chat/v3/parse.h"

#include <string>

#include "chat/literals.h"
#include "chat/v3/literals.h"
#include "runtime/error.h"

namespace dseek::chat::v3 {
namespace detail {
namespace {

bool starts_at(std::string_view text, size_t pos, std::string_view s) { return text.substr(pos, s.size()) == s; }

class Rejecter {
 public:
  explicit Rejecter(CallLayout layout) : format_(layout_format(layout)) {}
  [[noreturn]] void operator()(const std::string& why, size_t offset) const {
    throw Error("cannot parse the " + std::string(format_) + " completion: " + why + " (at byte " + std::to_string(offset) +
                ")");
  }

 private:
  std::string_view format_;
};

// The block after <｜tool▁calls▁begin｜> (at `pos`); returns the position after its end marker.
size_t parse_block(std::string_view text, size_t pos, CallLayout layout, const Rejecter& reject,
                   std::vector<ToolCall>& calls) {
  while (true) {
    while (pos < text.size() && is_block_space(text[pos])) ++pos;
    if (starts_at(text, pos, lit::kCallsEnd)) {
      if (calls.empty()) reject("empty tool call block", pos);
      return pos + lit::kCallsEnd.size();
    }
    if (pos == text.size()) reject("truncated tool call block (no " + std::string(lit::kCallsEnd) + ")", pos);
    if (!starts_at(text, pos, lit::kCallBegin)) reject("unexpected text inside tool call block", pos);
    pos += lit::kCallBegin.size();
    const size_t end = text.find(lit::kCallEnd, pos);
    if (end == std::string_view::npos) reject("truncated tool call (no " + std::string(lit::kCallEnd) + ")", text.size());
    ToolCall call;
    if (std::string why = parse_call_body(text.substr(pos, end - pos), layout, call); !why.empty()) reject(why, pos);
    calls.push_back(std::move(call));
    pos = end + lit::kCallEnd.size();
  }
}

}  // namespace

AssistantMessage parse_completion(std::string_view text, bool thinking, CallLayout layout) {
  namespace base = chat::lit;
  const Rejecter reject(layout);
  AssistantMessage msg;
  size_t pos = 0;
  if (thinking) {
    const size_t close = text.find(base::kThinkClose);
    if (close == std::string_view::npos) reject("missing </think> in thinking mode", text.size());
    msg.reasoning_content = text.substr(0, close);
    pos = close + base::kThinkClose.size();
  }
  const size_t content_at = pos;
  const size_t block = text.find(lit::kCallsBegin, pos), eos = text.find(base::kEos, pos);
  if (block != std::string_view::npos && (eos == std::string_view::npos || block < eos)) {
    msg.content = text.substr(pos, block - pos);
    pos = parse_block(text, block + lit::kCallsBegin.size(), layout, reject, msg.tool_calls);
    if (starts_at(text, pos, base::kEos)) pos += base::kEos.size();
    if (pos != text.size()) reject("unexpected text after tool calls", pos);
  } else if (eos != std::string_view::npos) {
    msg.content = text.substr(pos, eos - pos);
    if (eos + base::kEos.size() != text.size()) reject("unexpected text after EOS", eos + base::kEos.size());
  } else {
    msg.content = text.substr(pos);
  }
  if (has_special_marker(msg.reasoning_content)) reject("special marker in content or reasoning", 0);
  if (has_special_marker(msg.content)) reject("special marker in content or reasoning", content_at);
  return msg;
}

}  // namespace detail

AssistantMessage parse_completion(std::string_view text) { return detail::parse_completion(text, false, detail::CallLayout::Fenced); }

}  // namespace dseek::chat::v3
