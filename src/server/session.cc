#include "server/session.h"

namespace dseek::server {

std::vector<GenRequest> Session::one(GenRequest req) {
  std::vector<GenRequest> v;
  v.push_back(std::move(req));
  return v;
}

Session::Session(Scheduler& sched, GenRequest req) : group_(sched, one(std::move(req))) {}

bool Session::wait(Events& out, std::chrono::milliseconds timeout) {
  std::vector<SessionEvents> all;
  if (!group_.wait(all, timeout)) {
    out = Events{};
    return false;
  }
  out = std::move(all[0]);
  return true;
}

}  // namespace dseek::server
