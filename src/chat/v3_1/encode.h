// OpenAI-style messages -> DeepSeek-V3.1 / V3.1-Terminus prompt text
// (shared/vectors/chat-v3.1/FORMAT.md sections 2-6): what its Jinja chat template renders under
// transformers' apply_chat_template.
#pragma once
#include <string>

#include "chat/python_json.h"

namespace dseek::chat::v3_1 {

struct EncodeOptions {
  bool thinking = false;               // the template kwarg `thinking` (Jinja truthiness; absent = false)
  bool add_generation_prompt = true;
};

// The V3.1 template's output (FORMAT.md section 3): BOS, the system messages' contents hoisted
// and joined with "\n\n", then each message:
//   user       <｜User｜>CONTENT
//   assistant  with tool_calls (not null; [] too): [<｜Assistant｜></think> after a user turn]
//              [CONTENT <｜tool▁calls▁begin｜>] <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>ARGS
//              <｜tool▁call▁end｜>... <｜tool▁calls▁end｜> EOS (always </think>: tool-call turns
//              are non-thinking turns);
//              otherwise [<｜Assistant｜> + (<think> when `prefix` and thinking, else </think>)
//              after a user turn] CONTENT EOS, where CONTENT is cut after its first "</think>"
//              unless the turn follows tool results
//   tool       <｜tool▁output▁begin｜>CONTENT<｜tool▁output▁end｜>
//   other roles nothing
// and <｜Assistant｜><think> (thinking) or <｜Assistant｜></think> at the end when
// add_generation_prompt and the last turn was a user message. Strings are copied byte for
// byte; reasoning_content is never read (history is non-thinking); `type` of a call is not
// read; tools are not rendered (chat/v3/tool_prompt.h).
// Throws dseek::Error naming the message for what the template raises on (section 6): a
// missing content, a null content on user, system, tool or an assistant without tool_calls, a
// call without function or name, arguments that are not a string; and for a non-array
// `messages` or an entry without a string role.
std::string encode_messages(const Json& messages, const EncodeOptions& opt);

}  // namespace dseek::chat::v3_1
