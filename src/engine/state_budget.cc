#include "engine/state_budget.h"

#include <limits>
#include <string>

namespace dseek {

StateBudget::StateBudget(int64_t capacity_bytes, std::function<int64_t(int64_t)> bytes_at)
    : capacity_(capacity_bytes > 0 ? capacity_bytes : -1), bytes_at_(std::move(bytes_at)) {}

int64_t StateBudget::max_tokens(int64_t limit) const {
  if (!bounded()) return limit;
  if (bytes_at(0) > capacity_) return -1;
  int64_t lo = 0, hi = limit;  // bytes_at(lo) fits; find the last n that does
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (bytes_at(mid) <= capacity_)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

int64_t StateBudget::available() const {
  if (!bounded()) return std::numeric_limits<int64_t>::max();
  std::lock_guard<std::mutex> l(mu_);
  return capacity_ - live_;
}

bool StateBudget::try_reserve(int64_t bytes) {
  if (bytes <= 0) return true;
  while (true) {
    std::function<int64_t(int64_t)> evict;
    int64_t need = 0;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!bounded() || live_ + cached_ + bytes <= capacity_) {
        live_ += bytes;
        return true;
      }
      if (live_ + bytes > capacity_ || !evict_) return false;
      need = live_ + cached_ + bytes - capacity_;
      evict = evict_;
    }
    // The cache takes its own lock and calls uncache(): not under ours (no lock-order cycle).
    if (evict(need) <= 0) return false;
  }
}

void StateBudget::reserve(int64_t bytes, const std::string& what) {
  if (try_reserve(bytes)) return;
  throw KvCacheFull("KV cache full: " + std::to_string(bytes) + " more bytes of sequence state needed " + what + ", " +
                    std::to_string(available()) + " available of " + std::to_string(capacity_) + " (raise --kv-budget)");
}

void StateBudget::release(int64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  live_ -= bytes;
}

bool StateBudget::try_cache(int64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  if (bounded() && live_ + cached_ + bytes > capacity_) return false;
  cached_ += bytes;
  return true;
}

void StateBudget::uncache(int64_t bytes, bool evicted) {
  std::lock_guard<std::mutex> l(mu_);
  cached_ -= bytes;
  if (evicted) ++evictions_;
}

void StateBudget::set_evictor(std::function<int64_t(int64_t)> evict) {
  std::lock_guard<std::mutex> l(mu_);
  evict_ = std::move(evict);
}

StateBudgetStats StateBudget::stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return {capacity_, live_, cached_, evictions_};
}

}  // namespace dseek
