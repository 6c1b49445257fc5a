#include "convert/progress.h"

#include <algorithm>
#include <cstdio>

namespace dseek {

std::string format_bytes(uint64_t n) {
  char buf[32];
  const double d = static_cast<double>(n);
  if (d >= 1e12) std::snprintf(buf, sizeof buf, "%.2f TB", d / 1e12);
  else if (d >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", d / 1e9);
  else if (d >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MB", d / 1e6);
  else if (d >= 1e3) std::snprintf(buf, sizeof buf, "%.1f kB", d / 1e3);
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  return buf;
}

Progress::Progress(uint64_t total_bytes, std::ostream& out, bool tty, int step_pct)
    : total_(total_bytes ? total_bytes : 1), out_(out), tty_(tty), step_(step_pct), next_pct_(step_pct),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

std::string Progress::stats(uint64_t done) const {
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = s > 0 ? done / s : 0;
  char buf[160];
  int n = std::snprintf(buf, sizeof buf, "%s of %s, %s/s", format_bytes(done).c_str(), format_bytes(total_).c_str(),
                        format_bytes(static_cast<uint64_t>(rate)).c_str());
  if (rate > 0 && done < total_) {
    const long eta = static_cast<long>((total_ - done) / rate + 0.5);
    std::snprintf(buf + n, sizeof buf - n, ", ETA %ld:%02ld:%02ld", eta / 3600, eta / 60 % 60, eta % 60);
  }
  return buf;
}

void Progress::update(uint64_t done, const std::string& what) {
  const int pct = static_cast<int>(100.0 * done / total_);
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    last_draw_ = now;
    drawn_ = true;
    constexpr int kWidth = 30;
    const int fill = static_cast<int>(static_cast<double>(kWidth) * done / total_);
    std::string bar(kWidth + 2, '.');
    bar.front() = '[';
    bar.back() = ']';
    std::fill_n(bar.begin() + 1, std::clamp(fill, 0, kWidth), '#');
    char head[16];
    std::snprintf(head, sizeof head, " %3d%% ", pct);
    std::string line = bar + head + stats(done) + "  " + what;
    if (line.size() > 118) line.resize(118);
    out_ << "\r" << line << "\x1b[K" << std::flush;
  } else {
    if (pct < next_pct_) return;
    while (next_pct_ <= pct) next_pct_ += step_;
    out_ << "quantize: " << pct << "% (" << stats(done) << ")\n" << std::flush;
  }
}

void Progress::finish() {
  if (tty_ && drawn_) out_ << "\n" << std::flush;
}

}  // namespace dseek
