// Added-token matching: exact occurrences of added-token contents are cut out of the text
// before pre-tokenization and become single ids.
#pragma once
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dseek {

// A byte range of the text and what it is: an added token's id, or -1 for ordinary text.
struct Segment {
  size_t begin;
  size_t end;
  int32_t added_id;
};

// A byte trie over token contents, scanned leftmost-longest.
class AddedTokenTrie {
 public:
  // Adds `content` (non-empty) for `id`; a repeated content keeps the later id.
  void add(std::string_view content, int32_t id);

  // True when no content was added.
  bool empty() const { return terminal_.size() <= 1; }

  // Cuts [begin, end) of `text` into segments appended to `out`: at each position, the
  // longest content starting there becomes a token segment; the text between is a -1 segment.
  void split(std::string_view text, size_t begin, size_t end, std::vector<Segment>& out) const;

 private:
  static uint64_t edge(int32_t node, unsigned char b) {
    return (static_cast<uint64_t>(node) << 8) | b;
  }
  std::vector<int32_t> terminal_{-1};             // node -> token id ending there, or -1
  std::unordered_map<uint64_t, int32_t> children_;  // (node, byte) -> child node
  std::vector<bool> first_byte_ = std::vector<bool>(256, false);  // quick reject
};

// Hugging Face's two passes: first the tokens with normalized=false over the whole text,
// then the normalized=true tokens over the text left between (the normalizer is empty, so
// "normalized text" is the text itself).
class AddedTokenSplitter {
 public:
  // Registers token `id` with `content`; `normalized` picks the pass.
  void add(std::string_view content, int32_t id, bool normalized) {
    (normalized ? normalized_ : raw_).add(content, id);
  }

  // Splits `text` into segments (written to `out`, cleared first) that cover it in order.
  void split(std::string_view text, std::vector<Segment>& out) const;

 private:
  AddedTokenTrie raw_;
  AddedTokenTrie normalized_;
};

}  // namespace dseek
