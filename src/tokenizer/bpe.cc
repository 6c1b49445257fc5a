#include "tokenizer/bpe.h"

#include <algorithm>

namespace dseek {

void Bpe::add_merge(int32_t left, int32_t right, int32_t merged, int32_t rank) {
  merges_[key(left, right)] = Merge{rank, merged};
}

namespace {

// A symbol of the word being merged; removed symbols get id -1 and stay in place so that a
// symbol's index (its position in the word) is stable and orders ties left to right.
struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
};

// A merge that was possible when queued; it is stale if either side changed since.
struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t left;
  int32_t right;
  int32_t merged;
};

// Min-heap order on (rank, pos).
bool later(const Candidate& a, const Candidate& b) {
  return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
}

}  // namespace

void Bpe::encode_word(std::string_view bytes, std::vector<int32_t>& out) const {
  // Scratch buffers reused across calls on the same thread: encode is const and may run
  // concurrently, so nothing mutable may live in the object itself.
  thread_local std::vector<Symbol> syms;
  thread_local std::vector<Candidate> heap;
  syms.clear();
  heap.clear();

  for (unsigned char b : bytes) {
    const int32_t id = byte_ids_[b];
    if (id < 0) continue;
    const auto n = static_cast<int32_t>(syms.size());
    syms.push_back(Symbol{id, n - 1, n + 1});
  }
  if (syms.empty()) return;
  syms.back().next = -1;
  if (syms.size() == 1) {
    out.push_back(syms[0].id);
    return;
  }

  auto push_candidate = [&](int32_t pos) {
    const int32_t nxt = syms[pos].next;
    if (nxt < 0) return;
    const Merge* m = find(syms[pos].id, syms[nxt].id);
    if (m == nullptr) return;
    heap.push_back(Candidate{m->rank, pos, syms[pos].id, syms[nxt].id, m->merged});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(syms.size()); ++i) push_candidate(i);

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& s = syms[c.pos];
    if (s.id != c.left || s.next < 0 || syms[s.next].id != c.right) continue;  // stale
    Symbol& r = syms[s.next];
    s.id = c.merged;
    r.id = -1;
    s.next = r.next;
    if (s.next >= 0) syms[s.next].prev = c.pos;
    if (s.prev >= 0) push_candidate(s.prev);
    push_candidate(c.pos);
  }

  for (int32_t i = 0; i >= 0; i = syms[i].next) out.push_back(syms[i].id);
}

}  // namespace dseek
