// The loaded tables behind dseek::Tokenizer, shared by the tokenizer's .cc files.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/tokenizer.h"

namespace dseek {

// Hash that lets unordered_map<std::string, ...> be searched with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using StringIdMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

struct Tokenizer::Impl {
  enum Kind : uint8_t { kNone, kVocab, kAdded, kSpecial };

  std::vector<Kind> kind;             // id -> what it is
  std::vector<std::string> piece;     // id -> vocab piece or added content
  std::vector<std::string> bytes;     // id -> raw bytes of a vocab piece (unused for added)
  StringIdMap vocab_ids;              // vocab piece -> id
  StringIdMap added_ids;              // added content -> id
  AddedTokenSplitter added;
  PreTokenizer pre;
  Bpe bpe;
  bool ignore_merges = false;         // a pre-token that is itself a vocab piece skips BPE

  bool has(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < kind.size() && kind[id] != kNone;
  }
  bool added_token(int32_t id) const { return has(id) && kind[id] >= kAdded; }
};

}  // namespace dseek
