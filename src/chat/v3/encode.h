// OpenAI-style messages -> DeepSeek-V3-0324 prompt text (shared/vectors/chat-v3/FORMAT.md
// sections 2-4): what its Jinja chat template renders under transformers' apply_chat_template.
#pragma once
#include <string>

#include "chat/python_json.h"

namespace dseek::chat::v3 {

// The V3-0324 template's output for `messages` (FORMAT.md section 3): BOS, every system
// message's content hoisted and joined with "\n\n", then each message:
//   user       <｜User｜>CONTENT<｜Assistant｜>
//   assistant  with tool_calls (not null; [] too): [<｜tool▁outputs▁end｜>] [CONTENT]
//              <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>TYPE<｜tool▁sep｜>NAME\n```json\nARGS\n```
//              <｜tool▁call▁end｜> ("\n" before each further call) <｜tool▁calls▁end｜> EOS;
//              otherwise [<｜tool▁outputs▁end｜>] CONTENT EOS
//   tool       [<｜tool▁outputs▁begin｜> or "\n"] <｜tool▁output▁begin｜>CONTENT<｜tool▁output▁end｜>
//   other roles (developer, ...) nothing
// and at the end <｜tool▁outputs▁end｜> after results, <｜Assistant｜> when
// `add_generation_prompt` and the last turn was neither a user message nor a tool result.
// Strings are copied byte for byte (ARGS too: not parsed or re-serialised). `tools` are not an
// input: the template never renders them (chat/v3/tool_prompt.h writes them into the system
// prompt). reasoning_content, ids, names are ignored.
// Throws dseek::Error naming the message for what the template raises on (section 4): a
// missing content (user, system, tool, assistant), a null content on user, system or tool or on
// an assistant without tool_calls, a call without type, function or name, arguments that are
// not a string; and for a non-array `messages` or an entry without a string role.
std::string encode_messages(const Json& messages, bool add_generation_prompt);

}  // namespace dseek::chat::v3
