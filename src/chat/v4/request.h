// OpenAI-style request body -> DeepSeek-V4 prompt (`dseek template --chat-format v4`).
#pragma once
#include <string>

#include "chat/python_json.h"

namespace dseek::chat::v4 {

// The exact V4 prompt for a request body: its `messages`, with top-level `tools` and
// `response_format` moved onto a leading system message (chat::request_messages, as for
// V3.2), encoded by encode_messages with the options named by the body's top-level fields
// "thinking_mode", "reasoning_effort", "drop_thinking", "add_default_bos_token" and
// "context" (options_from_fields; `thinking` is the mode when the body names none). Other
// fields (model, temperature, ...) are ignored. Errors as request_messages,
// options_from_fields and encode_messages. `add_generation_prompt` false: nothing after the
// last message (EncodeOptions::add_generation_prompt).
std::string render_request(const Json& request, bool thinking, bool add_generation_prompt = true);

}  // namespace dseek::chat::v4
