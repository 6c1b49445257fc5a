// dseek::grammar::Automaton — runs a Grammar over bytes as a pushdown automaton, determinised
// lazily: a state is the set of parse stacks still alive (each stack an interned linked list
// of grammar positions, so stacks share their tails), and the transition of a state on a byte
// class is computed once, then read from a table. Right recursion is a tail call (the stack
// does not grow), so long strings and arrays keep a bounded stack.
//
// Not thread-safe (tables grow as it runs): one Automaton per matcher.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "grammar/grammar.h"

namespace dseek::grammar {

class Automaton {
 public:
  static constexpr int32_t kDead = -1;  // no parse survives

  explicit Automaton(std::shared_ptr<const Grammar> grammar);

  int32_t start() const { return start_; }

  // The state after byte `b` from `state` (kDead when `b` is not allowed there). Throws
  // SchemaError when the grammar needs more than limits.max_states states or
  // limits.max_stacks parallel stacks (a pathological, highly ambiguous schema).
  int32_t step(int32_t state, uint8_t b) { return step_class(state, g_->byte_class(b)); }
  // Same for a byte class (Grammar::byte_class).
  int32_t step_class(int32_t state, int cls) {
    const size_t i = static_cast<size_t>(state) * num_classes_ + cls;
    int32_t t = trans_[i];
    if (t == kUnknown) trans_[i] = t = compute(state, cls);
    return t;
  }
  // The state after all of `bytes` (kDead as soon as one is not allowed).
  int32_t walk(int32_t state, std::string_view bytes);

  // True when a complete value has been read in `state` (the input may end here).
  bool accepting(int32_t state) const { return accept_[state] != 0; }

  size_t num_states() const { return stacks_.size(); }
  const Grammar& grammar() const { return *g_; }

 private:
  static constexpr int32_t kUnknown = -2;
  struct Node {
    uint32_t pos;    // grammar position: a kBytes element for a top, a return position for a frame
    int32_t parent;  // -1: bottom
    uint32_t depth;
  };

  int32_t compute(int32_t state, int cls);
  int32_t intern_node(uint32_t pos, int32_t parent);
  int32_t intern_state(std::vector<int32_t>& tops, bool accept);
  // Adds the tops reachable from position `pos` above stack `parent` without reading a byte.
  void expand(uint32_t pos, int32_t parent, std::vector<int32_t>& out, bool& accept);

  struct VecHash {
    size_t operator()(const std::vector<int32_t>& v) const {
      size_t h = 1469598103934665603ull;
      for (int32_t x : v) h = (h ^ static_cast<uint32_t>(x)) * 1099511628211ull;
      return h;
    }
  };

  std::shared_ptr<const Grammar> g_;
  int num_classes_;
  std::vector<Node> nodes_;
  std::unordered_map<uint64_t, int32_t> node_ids_;
  std::vector<std::vector<int32_t>> stacks_;  // state -> its sorted top nodes
  std::vector<uint8_t> accept_;
  std::unordered_map<std::vector<int32_t>, int32_t, VecHash> state_ids_;  // tops + accept flag -> state
  std::vector<int32_t> trans_;                                           // state * classes + class
  size_t expansions_ = 0;  // work of the current compute(), bounded
  int32_t start_;
};

}  // namespace dseek::grammar
