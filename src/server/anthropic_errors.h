// Errors of the Anthropic Messages API routes (/v1/messages, /v1/messages/count_tokens):
// {"type": "error", "error": {"type", "message"}} with the HTTP status. The handlers throw
// the same ApiError as the OpenAI routes; only the body's shape differs.
#pragma once
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <string>

#include "server/errors.h"

namespace dseek::server {

// Anthropic's error type for an HTTP status: 400 invalid_request_error, 401
// authentication_error, 403 permission_error, 404 not_found_error, 413 request_too_large,
// 429 rate_limit_error, 503 / 529 overloaded_error, other 5xx api_error.
std::string anthropic_error_type(int status);

// {"type": "error", "error": {"type": anthropic_error_type(status), "message"}}; a field
// the error names (`param`) is appended to the message when the message does not show it.
nlohmann::json anthropic_error_json(const ApiError& e);

// Writes the error's status and Anthropic body.
void send_anthropic_error(httplib::Response& res, const ApiError& e);

// True for the paths of the Anthropic routes ("/v1/messages", "/messages" and below), whose
// errors (401, 404, 413 too) take the Anthropic shape.
bool is_anthropic_path(const std::string& path);

}  // namespace dseek::server
