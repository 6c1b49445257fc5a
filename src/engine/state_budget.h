// The memory budget (`--kv-budget`) of a server whose model keeps a whole state per sequence
// instead of paged KV blocks (DeepSeek-V4: window rings, compressed entries, indexer keys,
// compressors' carries). Live sequences reserve the bytes their state will hold as they grow
// (bytes_at(length), an upper bound from the model's memory plan) and give them back when
// cleared; a cache of reusable states (the prefix snapshots) holds bytes beside them, which are
// evicted before a live sequence is refused. V3's paged KvPool is its own budget and does not
// use this. Thread-safe.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "model/kv_cache.h"  // KvCacheFull

namespace dseek {

struct StateBudgetStats {
  int64_t capacity_bytes = -1;  // -1: unbounded
  int64_t live_bytes = 0;       // reserved by live sequences
  int64_t cached_bytes = 0;     // held by the cache (evictable)
  int64_t evictions = 0;        // cache entries dropped to make room
};

class StateBudget {
 public:
  // capacity_bytes <= 0: unbounded. bytes_at(n): bytes a sequence's state holds after n
  // tokens (non-decreasing in n; an upper bound of what it really holds).
  StateBudget(int64_t capacity_bytes, std::function<int64_t(int64_t)> bytes_at);
  virtual ~StateBudget() = default;
  StateBudget(const StateBudget&) = delete;
  StateBudget& operator=(const StateBudget&) = delete;

  // -1 when unbounded.
  int64_t capacity() const { return capacity_; }
  bool bounded() const { return capacity_ >= 0; }
  int64_t bytes_at(int64_t n) const { return bytes_at_(n); }
  // The most tokens one sequence can hold when it has the whole budget (the largest n <= limit
  // with bytes_at(n) <= capacity; -1 when none fits), or `limit` when unbounded.
  int64_t max_tokens(int64_t limit) const;
  // Bytes a live sequence could reserve now: capacity - live (cached bytes are evictable);
  // INT64_MAX when unbounded.
  int64_t available() const;

  // Reserves `bytes` more for a live sequence, evicting cached entries (through the evictor)
  // while live + cached + bytes exceeds the capacity. Throws KvCacheFull ("KV cache full: ...
  // (raise --kv-budget)", nothing reserved) when capacity - live < bytes; `what` names the need
  // in the message (e.g. "for 12 more tokens").
  void reserve(int64_t bytes, const std::string& what);
  // As reserve, returning false instead of throwing.
  bool try_reserve(int64_t bytes);
  void release(int64_t bytes);

  // The cache's side: takes `bytes` only if they fit beside the live and cached bytes (the cache
  // evicts its own entries and retries, or drops the new one); uncache gives bytes back
  // (`evicted`: the entry was dropped to make room, counted in stats().evictions).
  bool try_cache(int64_t bytes);
  void uncache(int64_t bytes, bool evicted);
  // Called (without this budget's lock held) to free at least `need` cached bytes, least
  // recently used first; returns the bytes freed (0: nothing left to evict).
  void set_evictor(std::function<int64_t(int64_t need)> evict);

  StateBudgetStats stats() const;

 private:
  const int64_t capacity_;
  const std::function<int64_t(int64_t)> bytes_at_;
  std::function<int64_t(int64_t)> evict_;
  mutable std::mutex mu_;
  int64_t live_ = 0, cached_ = 0, evictions_ = 0;
};

}  // namespace dseek
