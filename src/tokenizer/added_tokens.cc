#include "tokenizer/added_tokens.h"

namespace dseek {

void AddedTokenTrie::add(std::string_view content, int32_t id) {
  int32_t node = 0;
  for (unsigned char b : content) {
    auto [it, inserted] = children_.try_emplace(edge(node, b), static_cast<int32_t>(terminal_.size()));
    if (inserted) terminal_.push_back(-1);
    node = it->second;
  }
  terminal_[node] = id;
  first_byte_[static_cast<unsigned char>(content[0])] = true;
}

void AddedTokenTrie::split(std::string_view text, size_t begin, size_t end,
                           std::vector<Segment>& out) const {
  size_t plain = begin;  // start of the ordinary text not yet emitted
  size_t i = begin;
  while (i < end) {
    if (!first_byte_[static_cast<unsigned char>(text[i])]) {
      ++i;
      continue;
    }
    int32_t node = 0;
    int32_t best_id = -1;
    size_t best_end = 0;
    for (size_t j = i; j < end; ++j) {
      auto it = children_.find(edge(node, static_cast<unsigned char>(text[j])));
      if (it == children_.end()) break;
      node = it->second;
      if (terminal_[node] >= 0) {
        best_id = terminal_[node];
        best_end = j + 1;
      }
    }
    if (best_id < 0) {
      ++i;
      continue;
    }
    if (i > plain) out.push_back(Segment{plain, i, -1});
    out.push_back(Segment{i, best_end, best_id});
    i = plain = best_end;
  }
  if (end > plain) out.push_back(Segment{plain, end, -1});
}

void AddedTokenSplitter::split(std::string_view text, std::vector<Segment>& out) const {
  out.clear();
  if (text.empty()) return;
  if (raw_.empty()) {
    out.push_back(Segment{0, text.size(), -1});
  } else {
    raw_.split(text, 0, text.size(), out);
  }
  if (normalized_.empty()) return;
  std::vector<Segment> first;
  first.swap(out);
  for (const Segment& s : first) {
    if (s.added_id >= 0) {
      out.push_back(s);
    } else {
      normalized_.split(text, s.begin, s.end, out);
    }
  }
}

}  // namespace dseek
