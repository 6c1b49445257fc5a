#include "server/request_guard.h"

#include "server/errors.h"

namespace dseek::server {

void check_request(const ServerState& st, const httplib::Request& req) {
  if (st.shutting_down) throw ApiError(503, "the server is shutting down", "server_error", {}, "server_shutting_down");
  if (req.body.size() > st.opt.max_body_bytes) throw error_for_status(413, req.method, req.path);
}

}  // namespace dseek::server
