// Progress of a long write on stderr: on a terminal a bar redrawn in place (at most 10 times
// a second) with percent, bytes, rate, ETA and the current tensor; otherwise one line every
// `step_pct` percent, so logs stay short.
#pragma once
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace dseek {

class Progress {
 public:
  Progress(uint64_t total_bytes, std::ostream& out, bool tty, int step_pct = 5);
  // `done` bytes of the total are complete; `what` names the current item.
  void update(uint64_t done, const std::string& what);
  // Final line (the bar ends with a newline).
  void finish();

 private:
  std::string stats(uint64_t done) const;
  uint64_t total_;
  std::ostream& out_;
  bool tty_;
  int step_, next_pct_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool drawn_ = false;
};

// "1.23 GB" (powers of 1000, as file sizes are shown).
std::string format_bytes(uint64_t n);

}  // namespace dseek
