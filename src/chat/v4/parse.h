// DeepSeek-V4 completion text -> assistant message (encoding_dsv4.py
// parse_message_from_completion_text).
#pragma once
#include <string_view>

#include "chat/dsml_match.h"
#include "chat/message.h"
#include "chat/v4/literals.h"

namespace dseek::chat::v4 {

// V4's tool-call block for the shared DSML machinery (chat/dsml_match.h): "tool_calls", and
// string="false" values copied verbatim into `arguments`, as the reference does.
inline constexpr chat::detail::BlockSyntax kBlock{lit::kOpener, lit::kCallsClose, true};

// Parses what the model generated after the prompt's final "<think>" / "</think>" (the EOS
// text included when it stopped on EOS), as the reference does: in thinking mode (`thinking`)
// reasoning up to "</think>"; then content up to EOS or "\n\n<｜DSML｜tool_calls"; then the
// DSML invokes of the block, each parameter `name="K" string="true|false">V` giving
// "K": json.dumps(V) (string="true") or "K": V verbatim (string="false" -- so `arguments` is
// not JSON when V is not); then an optional EOS and nothing else. Nothing is trimmed; tool
// calls get no id.
// Throws dseek::Error whose message carries the reference's reason and the byte offset:
// "Invalid thinking format: missing </think>", "Invalid format: missing EOS token",
// "Tool call format error: expected '>\n' but got '…'", "Missing special token in tool
// calls", "Tool name format error: '…'", "Parameter format error: '…'", "Duplicate parameter
// name: 'K'", "Parameter format error: expected '>\n' but got '…'", "Unexpected content
// after tool calls", "Unexpected content at end", "Unexpected special token 'T' in content"
// (T the first of BOS, EOS, <think>, </think>, ｜DSML｜ found in content or reasoning).
AssistantMessage parse_completion(std::string_view text, bool thinking);

}  // namespace dseek::chat::v4
