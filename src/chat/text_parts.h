// OpenAI's message content as a list of text parts ([{"type": "text", "text": "..."}, ...]):
// the one rule the server and the CLI's --request-file share for turning it into the string
// the encoders take.
#pragma once
#include <optional>
#include <string>

#include "chat/python_json.h"

namespace dseek::chat {

// Whether `part` is {"type": "text", "text": <string>} (other members ignored).
bool is_text_part(const Json& part);

// The texts of `parts` joined with "\n" when every element is a text part; nullopt when
// `parts` is not an array or holds anything else.
std::optional<std::string> join_text_parts(const Json& parts);

}  // namespace dseek::chat
