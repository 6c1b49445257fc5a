// POST /v1/completions: a raw prompt, no chat template.
#pragma once
#include <httplib.h>

#include "server/state.h"

namespace dseek::server {

// Answers a text completion request, streamed (SSE) or not. Throws ApiError for a bad
// request (before anything is sent).
void handle_completions(ServerState& st, const httplib::Request& req, httplib::Response& res);

}  // namespace dseek::server
