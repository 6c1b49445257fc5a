#include "server/session_group.h"

#include <algorithm>

namespace dseek::server {

SessionGroup::SessionGroup(Scheduler& sched, std::vector<GenRequest> reqs) : sched_(sched), sh_(std::make_shared<Shared>()) {
  const size_t n = reqs.size();
  sh_->pending.resize(n);
  sh_->finished.assign(n, 0);
  sh_->cancelled.assign(n, 0);
  auto sh = sh_;  // the callbacks keep the queue alive until the scheduler is done with them
  for (size_t i = 0; i < n; ++i) {
    reqs[i].on_token = [sh, i](const TokenEvent& ev) {
      std::lock_guard<std::mutex> l(sh->mu);
      if (sh->cancelled[i]) return false;
      sh->pending[i].tokens.push_back(ev);
      sh->cv.notify_all();
      return true;
    };
    reqs[i].on_finish = [sh, i](const FinishEvent& ev) {
      std::lock_guard<std::mutex> l(sh->mu);
      sh->pending[i].finish = ev;
      sh->finished[i] = 1;
      sh->cv.notify_all();
    };
    try {
      ids_.push_back(sched_.submit(std::move(reqs[i])));
    } catch (...) {
      cancel();
      throw;
    }
  }
}

SessionGroup::~SessionGroup() { cancel(); }

bool SessionGroup::wait(std::vector<SessionEvents>& out, std::chrono::milliseconds timeout) {
  out.assign(size(), SessionEvents{});
  std::unique_lock<std::mutex> l(sh_->mu);
  auto ready = [&] {
    return std::any_of(sh_->pending.begin(), sh_->pending.end(),
                       [](const SessionEvents& e) { return !e.tokens.empty() || e.finish.has_value(); });
  };
  if (!sh_->cv.wait_for(l, timeout, ready)) return false;
  std::swap(out, sh_->pending);
  sh_->pending.resize(out.size());
  return true;
}

void SessionGroup::cancel(size_t i) {
  {
    std::lock_guard<std::mutex> l(sh_->mu);
    if (i >= ids_.size() || sh_->finished[i] || sh_->cancelled[i]) return;
    sh_->cancelled[i] = 1;
  }
  sched_.cancel(ids_[i]);
}

void SessionGroup::cancel() {
  for (size_t i = 0; i < ids_.size(); ++i) cancel(i);
}

bool SessionGroup::finished() const {
  std::lock_guard<std::mutex> l(sh_->mu);
  return std::all_of(sh_->finished.begin(), sh_->finished.end(), [](char f) { return f != 0; });
}

}  // namespace dseek::server
