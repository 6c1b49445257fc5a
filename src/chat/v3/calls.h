// The pieces of the V3 / V3.1 completion rules (chat-v3/FORMAT.md section 5, chat-v3.1/
// FORMAT.md section 7) that parse_completion and the streaming parser share: the layout of one
// tool call, the marker checks, the block's whitespace. Internal to chat/v3 and chat/v3_1.
#pragma once
#include <string>
#include <string_view>

#include "chat/message.h"

namespace dseek::chat::v3::detail {

// The text between <｜tool▁call▁begin｜> and <｜tool▁call▁end｜>.
enum class CallLayout {
  Fenced,  // V3:   TYPE<｜tool▁sep｜>NAME\n```json\nARGS\n```   (TYPE must be "function")
  Plain,   // V3.1: NAME<｜tool▁sep｜>ARGS
};

// The format's name in error messages: "V3" / "V3.1".
std::string_view layout_format(CallLayout layout);

// Parses one call body into `out` (name, arguments verbatim; no id). Returns "" when the body
// is well-formed, else the reason: "missing <｜tool▁sep｜>", "tool call type is not
// 'function'", "missing ```json fence", "missing closing ``` fence", "empty tool name",
// "special marker in tool name", "special marker in arguments", "arguments are not valid
// JSON" (RFC 8259; NaN rejected), "arguments are not a JSON object".
std::string parse_call_body(std::string_view body, CallLayout layout, ToolCall& out);

// Whether `s` holds a marker content and reasoning may not: BOS, EOS, <｜User｜>,
// <｜Assistant｜>, a tool marker, <think> or </think>.
bool has_special_marker(std::string_view s);

// The whitespace the block allows around its calls: space, tab, CR, LF.
inline bool is_block_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace dseek::chat::v3::detail
