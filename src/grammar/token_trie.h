// dseek::grammar::TokenTrie — every token of a vocabulary as raw bytes in one byte trie,
// flattened in preorder so a mask is one forward scan that skips dead subtrees. Built once per
// tokenizer; immutable, shared by all matchers.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dseek {
class Tokenizer;
}

namespace dseek::grammar {

class TokenTrie {
 public:
  struct Node {
    int32_t token;   // the token ending here, -1 if none (more in dups() when has_dups)
    uint32_t end;    // index just past this node's subtree
    uint16_t depth;  // 1 for a token's first byte
    uint8_t byte;
    bool has_dups;
  };

  // token_bytes[id]: the bytes token `id` stands for; an empty string: never allowed (added
  // tokens, ids with no token). vocab_size() is token_bytes.size().
  explicit TokenTrie(std::vector<std::string> token_bytes);

  // The vocabulary pieces of `tok` as raw bytes (byte-level spelling undone). Added tokens
  // (special or not) are left out: a grammar never admits them (EOS goes to the Matcher on
  // its own). `n_vocab`: the mask size, the model's logits count (>= tok.vocab_size(); 0 =
  // tok.vocab_size()); ids past the tokenizer's have no bytes.
  static std::shared_ptr<const TokenTrie> from_tokenizer(const Tokenizer& tok, size_t n_vocab = 0);

  size_t vocab_size() const { return bytes_.size(); }
  const std::string& token_bytes(int32_t id) const { return bytes_[id]; }
  const std::vector<Node>& nodes() const { return nodes_; }
  // Further tokens with the same bytes as node `i`'s token.
  const std::vector<int32_t>& dups(uint32_t i) const { return dups_.at(i); }
  size_t max_depth() const { return max_depth_; }

 private:
  std::vector<std::string> bytes_;
  std::vector<Node> nodes_;
  std::map<uint32_t, std::vector<int32_t>> dups_;
  size_t max_depth_ = 0;
};

}  // namespace dseek::grammar
