// One generation on the Scheduler, seen from an HTTP thread. The scheduler's callbacks run
// on its own thread; they only append to this session's queue, and the HTTP thread takes
// the events from there (wait()). Cancelling frees the scheduler slot at once.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/scheduler.h"

namespace dseek::server {

class Session {
 public:
  struct Events {
    std::vector<TokenEvent> tokens;     // sampled tokens, in order
    std::optional<FinishEvent> finish;  // set once, with the last tokens
  };

  // Submits `req` (its on_token/on_finish are replaced). Throws dseek::Error as
  // Scheduler::submit does (nothing is queued then).
  Session(Scheduler& sched, GenRequest req);
  // Cancels the request if it is still running.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Waits until there are events or `timeout` passes; moves them into `out` (cleared
  // first). Returns false on timeout with nothing new.
  bool wait(Events& out, std::chrono::milliseconds timeout);

  // Stops the generation (the scheduler frees the slot; a "cancelled" finish follows).
  // Safe to call more than once and from any thread.
  void cancel();

  bool finished() const;

 private:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    Events pending;
    bool finished = false;
    bool cancelled = false;
  };
  Scheduler& sched_;
  std::shared_ptr<Shared> sh_;
  uint64_t id_ = 0;
};

}  // namespace dseek::server
