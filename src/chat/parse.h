// Completion text -> assistant message (CHAT_FORMAT.md section 9).
#pragma once
#include <string_view>

#include "chat/message.h"

namespace dseek::chat {

// Parses what the model generated after the prompt (without the prompt's final <think> or
// </think>, including the final EOS text when it stopped on EOS) into reasoning, content and
// DSML tool calls, exactly as DeepSeek's parse_message_from_completion_text does
// (CHAT_FORMAT.md section 9, steps 1-6). `thinking` selects thinking_mode "thinking"
// (reasoning up to "</think>" first) or "chat". Nothing is trimmed. Tool calls get no id.
//
// One deliberate difference: a string="false" parameter whose value is not valid JSON
// becomes a JSON string in `arguments` (the reference inserts it verbatim, giving invalid
// JSON), so ToolCall::arguments is always valid JSON text (RFC 8259 syntax) of an object.
//
// Throws dseek::Error, with the reference's reason and the byte offset, for every text the
// format rejects: no "</think>" before the tool block in thinking mode, a plain answer
// without EOS, malformed or truncated DSML (tool call / tool name / parameter format
// errors, a duplicate parameter name, a missing closing tag), text after the tool block or
// after EOS, and BOS/EOS/<think>/</think>/｜DSML｜ left inside content or reasoning.
AssistantMessage parse_completion(std::string_view text, bool thinking);

}  // namespace dseek::chat
