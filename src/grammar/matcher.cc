#include "grammar/matcher.h"

#include <algorithm>

namespace dseek::grammar {

namespace {
constexpr size_t kMaxCachedMasks = 1024;  // 16 KiB each at 129K tokens
}

Matcher::Matcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenTrie> trie, std::vector<int32_t> eos)
    : automaton_(grammar), trie_(std::move(trie)), eos_(std::move(eos)), state_(automaton_.start()) {
  for (int b = 0; b < 256; ++b) cls_[b] = grammar->byte_class(static_cast<uint8_t>(b));
  walk_.resize(trie_->max_depth() + 1);
}

void Matcher::compute_mask(std::vector<uint64_t>& mask) {
  mask.assign((trie_->vocab_size() + 63) / 64, 0);
  const auto& nodes = trie_->nodes();
  const uint32_t n = static_cast<uint32_t>(nodes.size());
  walk_[0] = state_;
  for (uint32_t i = 0; i < n;) {
    const TokenTrie::Node& nd = nodes[i];
    const int32_t s = automaton_.step_class(walk_[nd.depth - 1], cls_[nd.byte]);
    if (s == Automaton::kDead) {
      i = nd.end;  // no token below this prefix can be allowed
      continue;
    }
    walk_[nd.depth] = s;
    if (nd.token >= 0) {
      mask[nd.token >> 6] |= uint64_t{1} << (nd.token & 63);
      if (nd.has_dups) {
        for (int32_t t : trie_->dups(i)) mask[t >> 6] |= uint64_t{1} << (t & 63);
      }
    }
    ++i;
  }
}

const std::vector<uint64_t>& Matcher::allowed() {
  if (finished_) {
    out_.assign((trie_->vocab_size() + 63) / 64, 0);
    return out_;
  }
  auto it = masks_.find(state_);
  if (it == masks_.end()) {
    if (masks_.size() >= kMaxCachedMasks) masks_.clear();
    std::vector<uint64_t> mask;
    compute_mask(mask);
    it = masks_.emplace(state_, std::move(mask)).first;
  }
  out_ = it->second;
  if (automaton_.accepting(state_)) {
    for (int32_t t : eos_) {
      if (t >= 0 && static_cast<size_t>(t) < trie_->vocab_size()) out_[t >> 6] |= uint64_t{1} << (t & 63);
    }
  }
  return out_;
}

bool Matcher::allows(int32_t token) {
  if (finished_ || token < 0 || static_cast<size_t>(token) >= trie_->vocab_size()) return false;
  if (std::find(eos_.begin(), eos_.end(), token) != eos_.end()) return automaton_.accepting(state_);
  const std::string& b = trie_->token_bytes(token);
  return !b.empty() && automaton_.walk(state_, b) != Automaton::kDead;
}

bool Matcher::accept(int32_t token) {
  if (!allows(token)) return false;
  if (std::find(eos_.begin(), eos_.end(), token) != eos_.end()) {
    finished_ = true;
    return true;
  }
  state_ = automaton_.walk(state_, trie_->token_bytes(token));
  return true;
}

bool Matcher::accept_bytes(std::string_view bytes) {
  if (finished_) return false;
  const int32_t s = automaton_.walk(state_, bytes);
  if (s == Automaton::kDead) return false;
  state_ = s;
  return true;
}

bool Matcher::at_end() {
  if (finished_) return true;
  if (!automaton_.accepting(state_)) return false;
  for (int c = 0; c < automaton_.grammar().num_classes(); ++c)
    if (automaton_.step_class(state_, c) != Automaton::kDead) return false;
  return true;
}

std::string Matcher::forced_bytes(size_t max) {
  std::string out;
  int32_t s = state_;
  while (!finished_ && out.size() < max && !automaton_.accepting(s)) {
    int only = -1;
    int32_t next = Automaton::kDead;
    for (int b = 0; b < 256; ++b) {
      const int32_t t = automaton_.step(s, static_cast<uint8_t>(b));
      if (t == Automaton::kDead) continue;
      if (only >= 0) return out;  // a choice
      only = b;
      next = t;
    }
    if (only < 0) break;
    out.push_back(static_cast<char>(only));
    s = next;
  }
  return out;
}

}  // namespace dseek::grammar
