#include "server/respond.h"

#include "server/sse.h"

namespace dseek::server {

void send_json(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(dump_json(j), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) {
  if (e.status() == 503) res.set_header("Retry-After", "1");  // busy or shutting down: clients back off and retry
  send_json(res, e.status(), e.to_json());
}

}  // namespace dseek::server
