// Writing JSON responses and OpenAI errors to cpp-httplib responses.
#pragma once
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "server/errors.h"

namespace dseek::server {

// `j` as application/json with `status`.
void send_json(httplib::Response& res, int status, const nlohmann::json& j);
// The error's status and {"error": {...}} body.
void send_error(httplib::Response& res, const ApiError& e);

}  // namespace dseek::server
