// Prefix reuse for models whose per-sequence state cannot be paged or rolled back (DeepSeek-V4:
// window rings, compressed entries, compressors' partial blocks): whole-state snapshots keyed
// by the tokens they hold. A new sequence whose prompt extends a snapshot's tokens starts from
// a copy of it (the same state a cold run reaches, so it continues identically); least
// recently used snapshots go first when the bytes exceed the snapshots' own cap, or when a
// shared StateBudget (`--kv-budget`) needs them for live sequences. Thread-safe.
#pragma once
#include <algorithm>
#include <cstdint>
#include <list>
#include <mutex>
#include <vector>

#include "engine/state_budget.h"

namespace dseek {

template <class State>
class PrefixSnapshots {
 public:
  // cap_bytes: the most bytes the snapshots hold. shared (may be null): a budget their bytes
  // also count against; it calls evict() when a live sequence needs room (the owner wires that
  // with StateBudget::set_evictor) and must outlive the snapshots.
  explicit PrefixSnapshots(size_t cap_bytes, StateBudget* shared = nullptr) : cap_(cap_bytes), shared_(shared) {}
  ~PrefixSnapshots() {
    if (shared_) shared_->uncache(static_cast<int64_t>(bytes_), false);
  }
  PrefixSnapshots(const PrefixSnapshots&) = delete;
  PrefixSnapshots& operator=(const PrefixSnapshots&) = delete;

  // Stores a copy of (tokens, state) unless a snapshot holds these tokens already or it alone
  // exceeds the cap; evicts the least recently used to make room under the cap and in the
  // shared budget (drops the new one when the live sequences leave no room for it).
  void put(const std::vector<int32_t>& tokens, const State& state, size_t bytes) {
    if (tokens.empty() || bytes > cap_) return;
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->tokens == tokens) {
        entries_.splice(entries_.begin(), entries_, it);
        return;
      }
    while (bytes_ + bytes > cap_ && !entries_.empty()) drop_oldest();
    while (shared_ && !shared_->try_cache(static_cast<int64_t>(bytes))) {
      if (entries_.empty()) return;
      drop_oldest();
    }
    entries_.push_front({tokens, state, bytes});
    bytes_ += bytes;
  }

  // The longest snapshot whose tokens are a proper prefix of `prompt` (at least one prompt
  // token is left to feed): copies it into *tokens / *state and returns its length; 0 when none.
  int64_t take(const std::vector<int32_t>& prompt, std::vector<int32_t>* tokens, State* state) {
    std::lock_guard<std::mutex> l(mu_);
    auto best = find(prompt);
    if (best == entries_.end()) return 0;
    *tokens = best->tokens;
    *state = best->state;
    entries_.splice(entries_.begin(), entries_, best);
    return static_cast<int64_t>(tokens->size());
  }
  // The length take() would return now (nothing copied).
  int64_t longest(const std::vector<int32_t>& prompt) const {
    std::lock_guard<std::mutex> l(mu_);
    auto best = find(prompt);
    return best == entries_.end() ? 0 : static_cast<int64_t>(best->tokens.size());
  }

  // Drops least recently used snapshots until at least `need` bytes are freed or none is left;
  // returns the bytes freed (the shared budget's evictor).
  int64_t evict(int64_t need) {
    std::lock_guard<std::mutex> l(mu_);
    int64_t freed = 0;
    while (freed < need && !entries_.empty()) {
      freed += static_cast<int64_t>(entries_.back().bytes);
      drop_oldest();
    }
    return freed;
  }

  size_t bytes() const {
    std::lock_guard<std::mutex> l(mu_);
    return bytes_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> l(mu_);
    return entries_.size();
  }

 private:
  struct Entry {
    std::vector<int32_t> tokens;
    State state;
    size_t bytes;
  };
  typename std::list<Entry>::const_iterator find(const std::vector<int32_t>& prompt) const {
    auto best = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      const size_t n = it->tokens.size();
      if (n < prompt.size() && (best == entries_.end() || n > best->tokens.size()) &&
          std::equal(it->tokens.begin(), it->tokens.end(), prompt.begin()))
        best = it;
    }
    return best;
  }
  void drop_oldest() {  // under mu_
    bytes_ -= entries_.back().bytes;
    if (shared_) shared_->uncache(static_cast<int64_t>(entries_.back().bytes), true);
    entries_.pop_back();
  }

  const size_t cap_;
  StateBudget* const shared_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
  size_t bytes_ = 0;
};

}  // namespace dseek
