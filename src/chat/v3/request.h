// OpenAI-style request body -> DeepSeek-V3 / V3-0324 prompt: the chat template's own view
// (`dseek template --chat-format v3`) and what run / chat / serve send the model.
#pragma once
#include <string>

#include "chat/python_json.h"

namespace dseek::chat::v3 {

// Exactly what the V3-0324 chat template renders for the body's `messages` and
// `add_generation_prompt` (a bool; absent: true), as transformers' apply_chat_template with
// these arguments does: `tools` and `chat_template_kwargs` are passed to the template, which
// reads neither. Throws dseek::Error for a body that is not an object with a `messages` array,
// a non-bool add_generation_prompt, a non-object chat_template_kwargs, and everything
// encode_messages throws.
std::string template_prompt(const Json& request);

// The prompt the engine and the server send for a request body {"messages", "tools"?}: the
// template's, with add_generation_prompt, after the request's `tools` are written into the
// system prompt (tool_prompt.h, V3's fenced call layout) -- the template itself never shows
// the model its tools. V3 has no thinking mode and no response_format rendering: neither
// changes the prompt. `add_generation_prompt` false: the template's flag (its user turns still
// end with "<｜Assistant｜>"). Errors as template_prompt and describe_tools.
std::string render_request(const Json& request, bool add_generation_prompt = true);

}  // namespace dseek::chat::v3
