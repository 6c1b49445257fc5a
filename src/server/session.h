// One generation on the Scheduler, seen from an HTTP thread: a SessionGroup of one choice.
// The scheduler's callbacks run on its own thread; they only append to the session's queue,
// and the HTTP thread takes the events from there (wait()). Cancelling frees the scheduler
// slot at once.
#pragma once
#include <chrono>
#include <vector>

#include "engine/scheduler.h"
#include "server/session_group.h"

namespace dseek::server {

class Session {
 public:
  using Events = SessionEvents;

  // Submits `req` (its on_token/on_finish are replaced). Throws dseek::Error as
  // Scheduler::submit does (nothing is queued then).
  Session(Scheduler& sched, GenRequest req);
  // Cancels the request if it is still running (the group's destructor).
  ~Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Waits until there are events or `timeout` passes; moves them into `out` (cleared
  // first). Returns false on timeout with nothing new.
  bool wait(Events& out, std::chrono::milliseconds timeout);

  // Stops the generation (the scheduler frees the slot; a "cancelled" finish follows).
  // Safe to call more than once and from any thread.
  void cancel() { group_.cancel(); }

  bool finished() const { return group_.finished(); }

  // The one-choice group (for the group pumps).
  SessionGroup& group() { return group_; }

 private:
  static std::vector<GenRequest> one(GenRequest req);
  SessionGroup group_;
};

}  // namespace dseek::server
