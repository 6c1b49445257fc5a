// Prefix reuse for models whose per-sequence state cannot be paged or rolled back (DeepSeek-V4:
// window rings, compressed entries, compressors' partial blocks): whole-state snapshots keyed
// by the tokens they hold. A new sequence whose prompt extends a snapshot's tokens starts from
// a copy of it (the same state a cold run reaches, so it continues identically); least
// recently used snapshots go first when the bytes exceed the budget. Thread-safe.
#pragma once
#include <algorithm>
#include <cstdint>
#include <list>
#include <mutex>
#include <vector>

namespace dseek {

template <class State>
class PrefixSnapshots {
 public:
  explicit PrefixSnapshots(size_t budget_bytes) : budget_(budget_bytes) {}

  // Stores a copy of (tokens, state) unless a snapshot holds these tokens already or it alone
  // exceeds the budget; evicts the least recently used beyond the budget.
  void put(const std::vector<int32_t>& tokens, const State& state, size_t bytes) {
    if (tokens.empty() || bytes > budget_) return;
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->tokens == tokens) {
        entries_.splice(entries_.begin(), entries_, it);
        return;
      }
    entries_.push_front({tokens, state, bytes});
    bytes_ += bytes;
    while (bytes_ > budget_ && !entries_.empty()) {
      bytes_ -= entries_.back().bytes;
      entries_.pop_back();
    }
  }

  // The longest snapshot whose tokens are a proper prefix of `prompt` (at least one prompt
  // token is left to feed): copies it into *tokens / *state and returns its length; 0 when none.
  int64_t take(const std::vector<int32_t>& prompt, std::vector<int32_t>* tokens, State* state) {
    std::lock_guard<std::mutex> l(mu_);
    auto best = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      const size_t n = it->tokens.size();
      if (n < prompt.size() && (best == entries_.end() || n > best->tokens.size()) &&
          std::equal(it->tokens.begin(), it->tokens.end(), prompt.begin()))
        best = it;
    }
    if (best == entries_.end()) return 0;
    *tokens = best->tokens;
    *state = best->state;
    entries_.splice(entries_.begin(), entries_, best);
    return static_cast<int64_t>(tokens->size());
  }

  size_t bytes() const {
    std::lock_guard<std::mutex> l(mu_);
    return bytes_;
  }

 private:
  struct Entry {
    std::vector<int32_t> tokens;
    State state;
    size_t bytes;
  };
  const size_t budget_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
  size_t bytes_ = 0;
};

}  // namespace dseek
