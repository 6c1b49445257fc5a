// Byte-pair encoding over token ids: a word starts as one id per byte and the
// lowest-ranked adjacent pair is merged until no listed merge applies (ties: leftmost),
// which is exactly what Hugging Face's BPE model does without dropout.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dseek {

class Bpe {
 public:
  Bpe() { byte_ids_.fill(-1); }

  // Sets the id of the single-byte piece for byte `b` (the starting symbols of every word).
  void set_byte_id(unsigned char b, int32_t id) { byte_ids_[b] = id; }
  // Returns the id set for byte `b`, or -1 if none was.
  int32_t byte_id(unsigned char b) const { return byte_ids_[b]; }

  // Pre-sizes the merge table for `n` merges.
  void reserve(size_t n) { merges_.reserve(n); }

  // Registers that the pair (left, right) merges into `merged` with priority `rank` (lower
  // merges first). A pair listed twice keeps the later rank, as in Hugging Face.
  void add_merge(int32_t left, int32_t right, int32_t merged, int32_t rank);

  // Number of distinct merge pairs registered.
  size_t merge_count() const { return merges_.size(); }

  // Encodes one pre-token given as raw bytes and appends its ids to `out`. Bytes without a
  // starting id are dropped (the loader guarantees all 256 exist for byte-level vocabs).
  void encode_word(std::string_view bytes, std::vector<int32_t>& out) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t merged;
  };
  static uint64_t key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  const Merge* find(int32_t left, int32_t right) const {
    auto it = merges_.find(key(left, right));
    return it == merges_.end() ? nullptr : &it->second;
  }

  std::array<int32_t, 256> byte_ids_;
  std::unordered_map<uint64_t, Merge> merges_;
};

}  // namespace dseek
