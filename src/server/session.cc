#include "server/session.h"

namespace dseek::server {

Session::Session(Scheduler& sched, GenRequest req) : sched_(sched), sh_(std::make_shared<Shared>()) {
  auto sh = sh_;  // the callbacks keep the queue alive until the scheduler is done with them
  req.on_token = [sh](const TokenEvent& ev) {
    std::lock_guard<std::mutex> l(sh->mu);
    if (sh->cancelled) return false;
    sh->pending.tokens.push_back(ev);
    sh->cv.notify_all();
    return true;
  };
  req.on_finish = [sh](const FinishEvent& ev) {
    std::lock_guard<std::mutex> l(sh->mu);
    sh->pending.finish = ev;
    sh->finished = true;
    sh->cv.notify_all();
  };
  id_ = sched_.submit(std::move(req));
}

Session::~Session() { cancel(); }

bool Session::wait(Events& out, std::chrono::milliseconds timeout) {
  out.tokens.clear();
  out.finish.reset();
  std::unique_lock<std::mutex> l(sh_->mu);
  auto ready = [&] { return !sh_->pending.tokens.empty() || sh_->pending.finish.has_value(); };
  if (!sh_->cv.wait_for(l, timeout, ready)) return false;
  std::swap(out, sh_->pending);
  return true;
}

void Session::cancel() {
  {
    std::lock_guard<std::mutex> l(sh_->mu);
    if (sh_->finished || sh_->cancelled) return;
    sh_->cancelled = true;
  }
  sched_.cancel(id_);
}

bool Session::finished() const {
  std::lock_guard<std::mutex> l(sh_->mu);
  return sh_->finished;
}

}  // namespace dseek::server
