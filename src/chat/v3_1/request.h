// OpenAI-style request body -> DeepSeek-V3.1 prompt: the chat template's own view
// (`dseek template --chat-format v3.1`) and what run / chat / serve send the model.
#pragma once
#include <string>

#include "chat/python_json.h"

namespace dseek::chat::v3_1 {

// Exactly what the V3.1 chat template renders for the body's `messages`,
// `add_generation_prompt` (a bool; absent: true) and `chat_template_kwargs`, as
// transformers' apply_chat_template with these arguments does: the template's `thinking` is
// chat_template_kwargs.thinking under Jinja truthiness when present, else `thinking`
// (`enable_thinking` is not read, as the official template does not); `tools` are passed to
// the template, which ignores them. Throws dseek::Error as chat::v3::template_prompt does.
std::string template_prompt(const Json& request, bool thinking);

// The prompt the engine and the server send for a request body {"messages", "tools"?}: the
// template's with add_generation_prompt and `thinking`, after the request's `tools` are
// written into the system prompt in the model card's layout (chat/v3/tool_prompt.h). No
// response_format rendering. `add_generation_prompt` false: the template's flag. Errors as
// template_prompt and describe_tools.
std::string render_request(const Json& request, bool thinking, bool add_generation_prompt = true);

}  // namespace dseek::chat::v3_1
