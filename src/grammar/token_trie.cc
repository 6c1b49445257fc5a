#include "grammar/token_trie.h"

#include <algorithm>
#include <numeric>

#include "runtime/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"

namespace dseek::grammar {

TokenTrie::TokenTrie(std::vector<std::string> token_bytes) : bytes_(std::move(token_bytes)) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < bytes_.size(); ++i) {
    if (bytes_[i].empty()) continue;
    if (bytes_[i].size() > 0xFFFF) throw Error("token " + std::to_string(i) + " is longer than 65535 bytes");
    ids.push_back(static_cast<int32_t>(i));
  }
  // Sorted bytes give the preorder: each token shares its predecessor's path up to their
  // common prefix.
  std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) { return bytes_[a] < bytes_[b] || (bytes_[a] == bytes_[b] && a < b); });
  std::vector<uint32_t> path;  // node indices of the previous token's bytes
  const std::string* prev = nullptr;
  for (int32_t id : ids) {
    const std::string& s = bytes_[id];
    size_t lcp = 0;
    if (prev) {
      const size_t n = std::min(prev->size(), s.size());
      while (lcp < n && (*prev)[lcp] == s[lcp]) ++lcp;
    }
    while (path.size() > lcp) {
      nodes_[path.back()].end = static_cast<uint32_t>(nodes_.size());
      path.pop_back();
    }
    if (path.size() == s.size()) {  // same bytes as the previous token
      nodes_[path.back()].has_dups = true;
      dups_[path.back()].push_back(id);
    } else {
      for (size_t d = path.size(); d < s.size(); ++d) {
        path.push_back(static_cast<uint32_t>(nodes_.size()));
        nodes_.push_back(Node{-1, 0, static_cast<uint16_t>(d + 1), static_cast<uint8_t>(s[d]), false});
      }
      nodes_[path.back()].token = id;
      max_depth_ = std::max(max_depth_, s.size());
    }
    prev = &s;
  }
  while (!path.empty()) {
    nodes_[path.back()].end = static_cast<uint32_t>(nodes_.size());
    path.pop_back();
  }
}

std::shared_ptr<const TokenTrie> TokenTrie::from_tokenizer(const Tokenizer& tok, size_t n_vocab) {
  if (n_vocab == 0) n_vocab = tok.vocab_size();
  if (n_vocab < tok.vocab_size())
    throw Error("mask size " + std::to_string(n_vocab) + " is smaller than the tokenizer's " +
                std::to_string(tok.vocab_size()) + " ids");
  std::vector<std::string> bytes(n_vocab);
  for (size_t id = 0; id < tok.vocab_size(); ++id) {
    const auto i = static_cast<int32_t>(id);
    if (tok.is_added(i)) continue;
    const std::string piece = tok.id_to_token(i);
    if (piece.empty()) continue;
    // A piece outside the byte-level alphabet stands for its own UTF-8 (as the decoder does).
    if (!byte_level::piece_to_bytes(piece, bytes[id])) bytes[id] = piece;
  }
  return std::make_shared<const TokenTrie>(std::move(bytes));
}

}  // namespace dseek::grammar
