// What the V3 / V3-0324 and V3.1 Jinja templates read of a conversation, with the errors the
// templates raise turned into dseek::Error naming the message. Internal to chat/v3 and
// chat/v3_1.
#pragma once
#include <string>
#include <vector>

#include "chat/python_json.h"

namespace dseek::chat::v3::detail {

// One message of `messages`, checked: an object with a string "role". The templates skip
// roles they do not know (e.g. "developer") silently; callers do the same.
struct Msg {
  const Json* json;
  std::string role;
  std::string where;  // "messages[3]"
};

// Throws dseek::Error when `messages` is not an array or an entry is not an object with a
// string "role" (the templates would skip such an entry; refusing it is clearer).
std::vector<Msg> read_messages(const Json& messages);

// m["content"] as a string. Throws naming the message when it is missing (Jinja's
// UndefinedError), null (TypeError: None + str) or not a string.
std::string content(const Msg& m);

// m["content"] when it is a string, "" when null. Throws when missing or of another type.
std::string content_or_empty(const Msg& m);

// Every system message's content joined with "\n\n", in order: the templates hoist them all to
// the front of the prompt. Throws as content() for a system message.
std::string system_prompt(const std::vector<Msg>& msgs);

// m["tool_calls"] when present and not null (an empty list counts), else nullptr. Throws when
// it is not an array.
const Json* tool_calls(const Msg& m);

// One tool call as the templates read it. `type` is read only by V3 (need_type): a call
// without it is an error there (UndefinedError). Throws naming "messages[i].tool_calls[k]" for
// a call that is not an object, a missing `function` object, a missing or non-string name or
// type, and arguments that are not a string (an object: TypeError, str + dict).
struct Call {
  std::string type, name, arguments;
};
Call read_call(const Msg& m, size_t k, bool need_type);

}  // namespace dseek::chat::v3::detail
