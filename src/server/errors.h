// Errors in the OpenAI shape: {"error": {"message", "type", "param", "code"}} with an HTTP
// status. Request handlers throw ApiError; the routes turn it into the response.
#pragma once
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace dseek::server {

class ApiError : public std::runtime_error {
 public:
  // `param` and `code` may be empty (sent as null).
  ApiError(int status, std::string message, std::string type, std::string param = {}, std::string code = {});

  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& param() const { return param_; }
  const std::string& code() const { return code_; }

  // {"error": {"message", "type", "param", "code"}}.
  nlohmann::json to_json() const;

 private:
  int status_;
  std::string type_, param_, code_;
};

// 400 invalid_request_error; `param` names the offending field.
ApiError bad_request(const std::string& message, const std::string& param = {}, const std::string& code = {});

// The error body for a status set by the HTTP library itself (404 unknown route, 413 body
// too large, 400 malformed HTTP), used when no handler wrote one.
ApiError error_for_status(int status, const std::string& method, const std::string& path);

}  // namespace dseek::server
