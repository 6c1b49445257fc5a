// How a chat request's prompt ends: the assistant's opening (the default), no opening
// (add_generation_prompt: false, as Hugging Face / vLLM), or the last assistant message
// continued instead of closed (vLLM's continue_final_message, DeepSeek's `prefix: true` on
// that message: "prefix completion"). Without either flag a conversation that ends with an
// assistant message is refused: the V3.2 prompt would close that turn and the model would
// answer after its end-of-sentence token.
#pragma once
#include "server/request_fields.h"

namespace dseek::server {

enum class PromptEnd {
  Open,      // ... the assistant's opening: the model writes a new turn
  Bare,      // add_generation_prompt: false: the last message, nothing after it
  Continue,  // the last (assistant) message's text, left open
};

// Reads `continue_final_message`, `add_generation_prompt` (booleans) and each message's
// `prefix` (a boolean, true only on a last assistant message) from `body`, erases `prefix`
// from `msgs` (normalized messages, same order) and returns how the prompt ends. ApiError
// 400 naming the field: a wrong type, `prefix` on another message, continue_final_message
// with add_generation_prompt true or without a final assistant message, a final assistant
// message without either flag.
PromptEnd parse_prompt_end(const Json& body, Json& msgs);

}  // namespace dseek::server
