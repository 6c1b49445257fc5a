#include "server/anthropic_errors.h"

#include "server/respond.h"

namespace dseek::server {

std::string anthropic_error_type(int status) {
  switch (status) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "not_found_error";
    case 413: return "request_too_large";
    case 504: return "timeout_error";
    case 429: return "rate_limit_error";
    case 503:
    case 529: return "overloaded_error";
    default: return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

nlohmann::json anthropic_error_json(const ApiError& e) {
  std::string msg = e.what();
  if (!e.param().empty() && msg.find(e.param()) == std::string::npos) msg += " (" + e.param() + ")";
  return {{"type", "error"}, {"error", {{"type", anthropic_error_type(e.status())}, {"message", msg}}}};
}

void send_anthropic_error(httplib::Response& res, const ApiError& e) {
  if (e.status() == 503) res.set_header("Retry-After", "1");
  send_json(res, e.status(), anthropic_error_json(e));
}

bool is_anthropic_path(const std::string& path) {
  for (const std::string p : {"/v1/messages", "/messages"})
    if (path == p || path.rfind(p + "/", 0) == 0) return true;
  return false;
}

}  // namespace dseek::server
