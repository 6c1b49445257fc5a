// The Anthropic Messages API: POST /v1/messages (streamed or not) and
// POST /v1/messages/count_tokens, on the same scheduler and chat path as
// /v1/chat/completions. See src/server/README.md ("Anthropic Messages API").
#pragma once
#include <httplib.h>

#include "server/state.h"

namespace dseek::server {

// Answers a Messages request. Throws ApiError for a bad request (before anything is sent).
void handle_messages(ServerState& st, const httplib::Request& req, httplib::Response& res);

// {"input_tokens": N}: the tokens of the prompt a Messages request (max_tokens optional)
// renders to. Throws ApiError for a bad request.
void handle_count_tokens(ServerState& st, const httplib::Request& req, httplib::Response& res);

// Wraps an Anthropic route: every error (ApiError, dseek::Error as 400, anything else as
// 500, 503 while the server shuts down) is sent in Anthropic's shape; nothing escapes.
httplib::Server::Handler anthropic_route(ServerState& st,
                                         void (*fn)(ServerState&, const httplib::Request&, httplib::Response&));

}  // namespace dseek::server
