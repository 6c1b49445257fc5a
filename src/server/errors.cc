#include "server/errors.h"

namespace dseek::server {

ApiError::ApiError(int status, std::string message, std::string type, std::string param, std::string code)
    : std::runtime_error(std::move(message)), status_(status), type_(std::move(type)), param_(std::move(param)),
      code_(std::move(code)) {}

nlohmann::json ApiError::to_json() const {
  auto opt = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  return {{"error", {{"message", what()}, {"type", type_}, {"param", opt(param_)}, {"code", opt(code_)}}}};
}

ApiError bad_request(const std::string& message, const std::string& param, const std::string& code) {
  return ApiError(400, message, "invalid_request_error", param, code);
}

ApiError error_for_status(int status, const std::string& method, const std::string& path) {
  switch (status) {
    case 404: return ApiError(404, "Invalid URL (" + method + " " + path + ")", "invalid_request_error", {}, "unknown_url");
    case 405: return ApiError(405, "Method not allowed (" + method + " " + path + ")", "invalid_request_error");
    case 413:
      return ApiError(413, "Request body too large", "invalid_request_error", {}, "request_too_large");
    case 414: return ApiError(414, "Request URI too long", "invalid_request_error");
    default:
      if (status >= 500) return ApiError(status, "Internal server error", "server_error");
      return ApiError(status, "Bad request", "invalid_request_error");
  }
}

}  // namespace dseek::server
