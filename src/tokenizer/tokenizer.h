// dseek::Tokenizer — text <-> token ids for DeepSeek-V3.2, read from a Hugging Face
// tokenizer.json or built from a GGUF file's tokenizer metadata (byte-level BPE). Results
// match the Hugging Face `tokenizers` library exactly for the configurations it accepts;
// anything else is rejected at load time.
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

// A tokenizer as GGUF metadata describes it (the tokenizer.ggml.* keys), as plain data so
// that this layer does not depend on the GGUF reader: the caller copies the keys in.
struct VocabSpec {
  // tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
  enum TokenType : int32_t {
    kNormal = 1,       // a BPE vocab piece (byte-level spelling)
    kUnknown = 2,      // rejected: byte-level BPE has no unknown token
    kControl = 3,      // an added token, special (dropped by skip_special_tokens)
    kUserDefined = 4,  // an added token, not special
    kUnused = 5,       // a filler id with no token ("[PAD…]"): never encoded, dropped by decode
    kByte = 6,         // rejected: SentencePiece byte fallback
  };

  std::string model;                 // tokenizer.ggml.model: only "gpt2" (byte-level BPE)
  std::string pre;                   // tokenizer.ggml.pre: only "deepseek-v3"
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens: id -> text
  std::vector<int32_t> token_types;  // tokenizer.ggml.token_type: id -> TokenType
  std::vector<std::string> merges;   // tokenizer.ggml.merges: "left right", by rank
  std::string source;                // where it came from (a path), for error messages
};

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

  // Builds the tokenizer GGUF metadata describes, tokenizing exactly like the tokenizer.json
  // it was converted from. `pre` picks the pre-tokenizer: "deepseek-v3" is the Split sequence
  // of DeepSeek-V3/R1/V3.2's tokenizer.json. NORMAL tokens are the BPE vocab; CONTROL and
  // USER_DEFINED tokens are added tokens (matched whole in the text; only CONTROL is special);
  // UNUSED ids have no token, so vocab_size() stops after the last other id. Caveat: the
  // converter stores HF's non-special `<｜…｜>` added tokens as CONTROL, so they are special
  // here and skip_special_tokens drops them (HF keeps them); encoding is unaffected. Throws
  // dseek::Error naming `spec.source` and the field (as a GGUF key, e.g.
  // "tokenizer.ggml.tokens[5]") when the model or pre is unsupported or any data is
  // malformed: lengths differ, a type is unknown or unsupported, a token is empty or
  // repeated, a byte has no piece, or a merge is not "a b" over vocab pieces.
  static Tokenizer from_vocab(const VocabSpec& spec);

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
