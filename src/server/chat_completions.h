// POST /v1/chat/completions.
#pragma once
#include <httplib.h>

#include "server/state.h"

namespace dseek::server {

// Answers a chat completion request, streamed (SSE) or not. Throws ApiError for a bad
// request (before anything is sent).
void handle_chat_completions(ServerState& st, const httplib::Request& req, httplib::Response& res);

}  // namespace dseek::server
