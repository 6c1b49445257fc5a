// OpenAI-style request body -> prompt (what `dseek template --request-file` prints).
#pragma once
#include <string>

#include "chat/python_json.h"

namespace dseek::chat {

// The request's `messages` with its top-level `tools` and `response_format` moved onto a
// system message, which is how the reference encoder takes them (CHAT_FORMAT.md section 2;
// vectors README, chat/encode.jsonl "input"): onto messages[0] when that is a system
// message, else onto a new leading {"role": "system", "content": ""}. An empty `tools`
// list, a null/empty `response_format` and {"type": "text"} (OpenAI's "no constraint")
// count as absent, and then `messages` is returned unchanged. Tools or response_format
// carried by a system or developer message inside `messages` stay where they are.
// Throws dseek::Error when the body is not an object with a `messages` array, `tools` is
// not an array, or messages[0] already carries the same field as the top level.
Json request_messages(const Json& request);

// The exact prompt the model continues for an OpenAI-style request body:
// encode_messages(request_messages(request), {thinking, drop_thinking=true, add_bos=true,
// no context}) (CHAT_FORMAT.md sections 2-5). Errors as request_messages and
// encode_messages.
std::string render_request(const Json& request, bool thinking);

}  // namespace dseek::chat
