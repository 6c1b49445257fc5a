// The `messages` of a chat request, checked and put in the shape the V3.2 encoder takes.
#pragma once
#include "server/request_fields.h"

namespace dseek::server {

// Validates body["messages"] and returns them normalized: a non-empty array of objects
// with a known role (system, developer, user, assistant, tool); content a string, null
// (system, developer, assistant; becomes "") or text parts (joined with "\n"); assistant
// reasoning_content a string and tool_calls well-formed ({"id", "type", "function":
// {"name", "arguments" (a string)}}); tool messages with a string tool_call_id that
// matches a call of the assistant message they follow, and each run of tool messages
// sorted into the order of those calls (the V3.2 prompt matches results by position).
// Throws ApiError 400 naming the message ("messages[2].tool_call_id").
Json normalize_messages(const Json& body);

}  // namespace dseek::server
