// The generations of one request's choices (`n`) on the Scheduler, seen from an HTTP thread.
// Each choice is its own scheduler sequence; the scheduler's callbacks only append to the
// group's queue (one lock, one condition variable for all choices), and the HTTP thread takes
// the events from there (wait()). Cancelling frees the scheduler slots at once.
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

// What one choice produced since the last wait.
struct SessionEvents {
  std::vector<TokenEvent> tokens;     // sampled tokens, in order
  std::optional<FinishEvent> finish;  // set once, with the last tokens
};

class SessionGroup {
 public:
  // Submits one request per choice, in order (their on_token/on_finish are replaced). Throws
  // dseek::Error as Scheduler::submit does; the choices submitted before are cancelled then.
  SessionGroup(Scheduler& sched, std::vector<GenRequest> reqs);
  // Cancels the choices still running.
  ~SessionGroup();
  SessionGroup(const SessionGroup&) = delete;
  SessionGroup& operator=(const SessionGroup&) = delete;

  size_t size() const { return ids_.size(); }

  // Waits until some choice has events or `timeout` passes; out[i] gets choice i's events
  // (out is resized to size() and cleared first). Returns false on timeout with nothing new.
  bool wait(std::vector<SessionEvents>& out, std::chrono::milliseconds timeout);

  // Stops choice i / every choice (the scheduler frees the slot; a "cancelled" finish
  // follows for each one still running). Safe to call more than once and from any thread.
  void cancel(size_t i);
  void cancel();

  // True once every choice has finished.
  bool finished() const;

 private:
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<SessionEvents> pending;
    std::vector<char> finished, cancelled;
  };
  Scheduler& sched_;
  std::shared_ptr<Shared> sh_;
  std::vector<uint64_t> ids_;
};

}  // namespace dseek::server
