#include "grammar/automaton.h"

#include <algorithm>
#include <string>

namespace dseek::grammar {

Automaton::Automaton(std::shared_ptr<const Grammar> grammar) : g_(std::move(grammar)), num_classes_(g_->num_classes()) {
  std::vector<int32_t> tops;
  bool accept = false;
  for (uint32_t alt : g_->rules()[g_->root()]) expand(alt, -1, tops, accept);
  start_ = intern_state(tops, accept);
}

int32_t Automaton::intern_node(uint32_t pos, int32_t parent) {
  const uint64_t key = (static_cast<uint64_t>(pos) << 32) | static_cast<uint32_t>(parent + 1);
  auto [it, fresh] = node_ids_.try_emplace(key, static_cast<int32_t>(nodes_.size()));
  if (fresh) nodes_.push_back(Node{pos, parent, parent < 0 ? 1u : nodes_[parent].depth + 1});
  return it->second;
}

void Automaton::expand(uint32_t pos, int32_t parent, std::vector<int32_t>& out, bool& accept) {
  // Each call does constant work besides its recursion; the bound keeps an exponentially
  // ambiguous grammar from running away.
  if (++expansions_ > 64 * g_->limits().max_stacks + 4096)
    throw SchemaError("the schema is too ambiguous: one step explores more than " +
                      std::to_string(64 * g_->limits().max_stacks) + " alternatives");
  const auto& elems = g_->elems();
  const Elem e = elems[pos];
  if (e.kind == Elem::kBytes) {
    out.push_back(intern_node(pos, parent));
  } else if (e.kind == Elem::kEnd) {
    if (parent < 0) {
      accept = true;
    } else {
      const Node f = nodes_[parent];
      expand(f.pos, f.parent, out, accept);
    }
  } else {
    const uint32_t ret = pos + 1;
    int32_t frame = parent;  // a tail call returns straight to the caller's frame
    if (elems[ret].kind != Elem::kEnd) {
      frame = intern_node(ret, parent);
      if (nodes_[frame].depth > static_cast<uint32_t>(g_->limits().max_stack_depth)) return;  // too deep
    }
    for (uint32_t alt : g_->rules()[e.arg]) expand(alt, frame, out, accept);
  }
}

int32_t Automaton::intern_state(std::vector<int32_t>& tops, bool accept) {
  std::sort(tops.begin(), tops.end());
  tops.erase(std::unique(tops.begin(), tops.end()), tops.end());
  if (tops.empty() && !accept) return kDead;
  if (tops.size() > g_->limits().max_stacks)
    throw SchemaError("the schema is too ambiguous: more than " + std::to_string(g_->limits().max_stacks) +
                      " parses alive at once");
  std::vector<int32_t> key = tops;
  key.push_back(accept ? -1 : -2);
  if (auto it = state_ids_.find(key); it != state_ids_.end()) return it->second;
  if (stacks_.size() >= g_->limits().max_states)
    throw SchemaError("the schema's automaton exceeded " + std::to_string(g_->limits().max_states) + " states");
  const int32_t id = static_cast<int32_t>(stacks_.size());
  state_ids_.emplace(std::move(key), id);
  stacks_.push_back(std::move(tops));
  accept_.push_back(accept ? 1 : 0);
  trans_.resize(trans_.size() + num_classes_, kUnknown);
  return id;
}

int32_t Automaton::compute(int32_t state, int cls) {
  const uint8_t b = g_->class_byte(cls);
  const auto& elems = g_->elems();
  const auto& sets = g_->byte_sets();
  std::vector<int32_t> out;
  bool accept = false;
  expansions_ = 0;
  const std::vector<int32_t> tops = stacks_[state];  // a copy: interning may grow stacks_
  for (int32_t top : tops) {
    const Node n = nodes_[top];
    if (sets[elems[n.pos].arg].test(b)) expand(n.pos + 1, n.parent, out, accept);
  }
  return intern_state(out, accept);
}

int32_t Automaton::walk(int32_t state, std::string_view bytes) {
  for (char c : bytes) {
    if (state == kDead) break;
    state = step(state, static_cast<uint8_t>(c));
  }
  return state;
}

}  // namespace dseek::grammar
