// Checks every API route makes before its handler runs (server.cc's guarded, and
// anthropic_route): the server is not shutting down, and the body is within --max-body-bytes.
#pragma once
#include <httplib.h>

#include "server/state.h"

namespace dseek::server {

// Throws ApiError 503 (server_shutting_down) during shutdown, and 413 (request_too_large) for
// a body over st.opt.max_body_bytes. cpp-httplib 0.11 refuses a too-long Content-Length
// itself but reads a chunked body whole: this is where a chunked one gets its 413.
void check_request(const ServerState& st, const httplib::Request& req);

}  // namespace dseek::server
