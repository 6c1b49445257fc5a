// dseek::Tokenizer — text <-> token ids for DeepSeek-V3.2, read from a Hugging Face
// tokenizer.json (byte-level BPE). Results match the Hugging Face `tokenizers` library
// exactly for the configurations it accepts; anything else is rejected at load time.
//
// A Tokenizer is immutable once loaded: all const methods may run concurrently, and copies
// are cheap (they share the loaded tables).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dseek {

class Tokenizer {
 public:
  // Loads the tokenizer.json at `path`. Accepted: model BPE (vocab object; merges as "a b"
  // strings or ["a", "b"] pairs; no dropout, byte fallback or subword affixes), added_tokens
  // without lstrip/rstrip/single_word, an empty normalizer, a pre_tokenizer made of Split
  // steps (Regex or String pattern, behavior Isolated, invert false) ending with ByteLevel
  // (add_prefix_space false, use_regex false), and a ByteLevel decoder. The post_processor is
  // ignored (encode never adds BOS). Throws dseek::Error whose message names `path` and the
  // offending field when the file is missing or unreadable, is not JSON, or any field is
  // missing, malformed or unsupported.
  static Tokenizer load(const std::string& path);

  // Encodes `text` (UTF-8) to ids, with no BOS added. Every exact occurrence of an added
  // token's content becomes that token's id (leftmost, longest first); the rest is
  // pre-tokenized and BPE-encoded. Throws dseek::Error if `text` is not valid UTF-8.
  std::vector<int32_t> encode(std::string_view text) const;

  // Decodes `ids` to text. Vocab pieces are joined as bytes and decoded lossily (one U+FFFD
  // per maximal invalid UTF-8 subpart); an added token writes its content verbatim and ends
  // the byte run before it. With `skip_special_tokens`, tokens flagged special are removed
  // before any byte decoding. Ids with no token (negative, out of range) are dropped.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  // Returns the id of an added token's content or of a raw vocab piece (byte-level
  // spelling, e.g. "Ġworld"); added tokens win. -1 when unknown.
  int32_t token_to_id(std::string_view token) const;

  // Returns the added token's content or the raw vocab piece for `id`; "" when `id` has no
  // token.
  std::string id_to_token(int32_t id) const;

  // True when `id` is an added token flagged special=true (what skip_special_tokens drops).
  bool is_special(int32_t id) const;

  // True when `id` is an added token (special or not).
  bool is_added(int32_t id) const;

  // Largest token id + 1 (ids below it may still have no token).
  size_t vocab_size() const;

  struct Impl;  // defined in tokenizer_impl.h; public only so the .cc files can share it

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  friend class StreamDecoder;

  std::shared_ptr<const Impl> impl_;
};

// Streaming-safe decoding: push ids one at a time and get back only text that is final.
// Bytes of an incomplete UTF-8 character are held back until the rest arrives, an added
// token is pushed, or flush() is called. The concatenation of every push() result and a
// final flush() equals Tokenizer::decode(all ids, skip_special_tokens).
class StreamDecoder {
 public:
  // Decodes with `tok` (the tables are shared, so `tok` may go away first).
  explicit StreamDecoder(const Tokenizer& tok, bool skip_special_tokens = false);

  // Adds one id; returns the text that became final (possibly ""). Ids with no token, and
  // special tokens when skipping, return "" and leave held bytes in place.
  std::string push(int32_t id);

  // Returns the held-back bytes decoded lossily (U+FFFD for an incomplete character) and
  // empties the buffer; the decoder can be reused afterwards.
  std::string flush();

 private:
  std::shared_ptr<const Tokenizer::Impl> impl_;
  bool skip_special_;
  std::string pending_;  // raw bytes not yet emitted: at most one incomplete character
};

}  // namespace dseek
