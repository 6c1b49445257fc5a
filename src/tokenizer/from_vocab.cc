// Tokenizer::from_vocab: builds the tables from GGUF tokenizer metadata (tokenizer.ggml.*),
// matching what Tokenizer::load builds from the tokenizer.json the GGUF was converted from.
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pre_presets.h"
#include "tokenizer/tokenizer_impl.h"

namespace dseek {

const std::vector<std::string_view>* pre_split_patterns(std::string_view pre) {
  // DeepSeek-V3's tokenizer.json pre_tokenizer (llama.cpp: LLAMA_VOCAB_PRE_TYPE_DEEPSEEK3_LLM).
  // Spelled with the JSON file's escapes, which C++ shares: "\r" and "\n" are the raw
  // characters there too.
  static const std::vector<std::string_view> deepseek_v3 = {
      "\\p{N}{1,3}",
      "[一-龥぀-ゟ゠-ヿ]+",
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
      " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
  };
  if (pre == "deepseek-v3") return &deepseek_v3;
  return nullptr;
}

namespace {

// Bounds id-indexed tables, as in Tokenizer::load.
constexpr size_t kMaxTokens = size_t{1} << 24;

class VocabBuilder {
 public:
  explicit VocabBuilder(const VocabSpec& spec) : spec_(spec) {}

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw Error("tokenizer " + spec_.source + ": " + field + ": " + why);
  }

  std::shared_ptr<Tokenizer::Impl> run();

 private:
  static std::string not_normal(std::string_view what, std::string_view piece) {
    std::string msg(what);
    msg.append("\"").append(piece).append("\" is not a NORMAL token");
    return msg;
  }
  static std::string token_field(size_t id) {
    return "tokenizer.ggml.tokens[" + std::to_string(id) + "]";
  }
  void check_header() const;
  void load_tokens();
  void load_merges();

  const VocabSpec& spec_;
  Tokenizer::Impl* t_ = nullptr;
};

void VocabBuilder::check_header() const {
  if (spec_.model != "gpt2") {
    fail("tokenizer.ggml.model", "unsupported \"" + spec_.model + "\" (only gpt2, byte-level BPE)");
  }
  if (pre_split_patterns(spec_.pre) == nullptr) {
    fail("tokenizer.ggml.pre", "unsupported \"" + spec_.pre + "\" (only deepseek-v3)");
  }
  if (spec_.tokens.empty()) fail("tokenizer.ggml.tokens", "missing or empty");
  if (spec_.tokens.size() > kMaxTokens) {
    fail("tokenizer.ggml.tokens", std::to_string(spec_.tokens.size()) + " tokens (too many)");
  }
  if (spec_.token_types.size() != spec_.tokens.size()) {
    fail("tokenizer.ggml.token_type", std::to_string(spec_.token_types.size()) +
                                          " entries for " + std::to_string(spec_.tokens.size()) +
                                          " tokens");
  }
}

void VocabBuilder::load_tokens() {
  using Impl = Tokenizer::Impl;
  const size_t n = spec_.tokens.size();
  t_->kind.assign(n, Impl::kNone);
  t_->piece.resize(n);
  t_->bytes.resize(n);
  t_->vocab_ids.reserve(n);
  std::string raw;
  for (size_t i = 0; i < n; ++i) {
    const auto id = static_cast<int32_t>(i);
    const std::string& text = spec_.tokens[i];
    const int32_t type = spec_.token_types[i];
    if (type == VocabSpec::kUnused) continue;  // "[PAD…]": no token in the HF tokenizer
    if (type != VocabSpec::kNormal && type != VocabSpec::kControl &&
        type != VocabSpec::kUserDefined) {
      // Field names are built only on failure: this loop runs 129k times.
      const std::string field = "tokenizer.ggml.token_type[" + std::to_string(i) + "]";
      if (type == VocabSpec::kUnknown || type == VocabSpec::kByte) {
        fail(field, "type " + std::to_string(type) + " unsupported in a gpt2 (byte-level) vocab");
      }
      fail(field, "unknown token type " + std::to_string(type));
    }
    if (text.empty()) fail(token_field(i), "empty token");
    if (type == VocabSpec::kNormal) {
      auto [it, inserted] = t_->vocab_ids.emplace(text, id);
      if (!inserted) {
        fail(token_field(i), "\"" + text + "\" repeats the token of id " + std::to_string(it->second));
      }
      t_->kind[i] = Impl::kVocab;
      // A piece outside the byte-level alphabet decodes to its own UTF-8, as in HF's decoder.
      const bool in_alphabet = byte_level::piece_to_bytes(text, raw);
      t_->bytes[i] = in_alphabet ? raw : text;
      if (in_alphabet && raw.size() == 1) t_->bpe.set_byte_id(static_cast<unsigned char>(raw[0]), id);
    } else {
      // An added token, as HF's converter-default flags give it: a special one is matched in
      // the raw pass, a non-special one in the normalized pass (the two cannot differ here,
      // the normalizer being empty, unless contents overlap).
      const bool special = type == VocabSpec::kControl;
      auto [it, inserted] = t_->added_ids.emplace(text, id);
      if (!inserted) {
        fail(token_field(i), "\"" + text + "\" repeats the token of id " + std::to_string(it->second));
      }
      t_->kind[i] = special ? Impl::kSpecial : Impl::kAdded;
      t_->added.add(text, id, /*normalized=*/!special);
    }
    t_->piece[i] = text;
  }
  for (int b = 0; b < 256; ++b) {
    if (t_->bpe.byte_id(static_cast<unsigned char>(b)) < 0) {
      fail("tokenizer.ggml.tokens", "no NORMAL token for byte " + std::to_string(b) +
                                        " (not a complete byte-level vocabulary)");
    }
  }
}

void VocabBuilder::load_merges() {
  const auto& merges = spec_.merges;
  if (merges.empty()) fail("tokenizer.ggml.merges", "missing or empty (gpt2 BPE needs merges)");
  if (merges.size() > kMaxTokens) {
    fail("tokenizer.ggml.merges", std::to_string(merges.size()) + " merges (too many)");
  }
  t_->bpe.reserve(merges.size());
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    auto field = [rank] { return "tokenizer.ggml.merges[" + std::to_string(rank) + "]"; };
    const std::string_view s = merges[rank];
    // "a b": exactly one space, as HF requires (byte-level pieces never contain one).
    const size_t sp = s.find(' ');
    if (sp == std::string_view::npos || s.find(' ', sp + 1) != std::string_view::npos) {
      fail(field(), "must be \"left right\" with exactly one space");
    }
    const std::string_view left = s.substr(0, sp);
    const std::string_view right = s.substr(sp + 1);
    auto l = t_->vocab_ids.find(left);
    auto r = t_->vocab_ids.find(right);
    if (l == t_->vocab_ids.end()) fail(field(), not_normal("", left));
    if (r == t_->vocab_ids.end()) fail(field(), not_normal("", right));
    joined.assign(left);
    joined.append(right);
    auto merged = t_->vocab_ids.find(joined);
    if (merged == t_->vocab_ids.end()) fail(field(), not_normal("merged piece ", joined));
    t_->bpe.add_merge(l->second, r->second, merged->second, static_cast<int32_t>(rank));
  }
}

std::shared_ptr<Tokenizer::Impl> VocabBuilder::run() {
  check_header();
  auto impl = std::make_shared<Tokenizer::Impl>();
  t_ = impl.get();
  load_tokens();
  load_merges();
  for (std::string_view pattern : *pre_split_patterns(spec_.pre)) {
    try {
      t_->pre.add_split(pattern);
    } catch (const std::invalid_argument& e) {
      fail("tokenizer.ggml.pre", e.what());  // a broken preset: a bug, not bad input
    }
  }
  // Trailing ids without a token (the UNUSED padding) do not count, as in Tokenizer::load.
  while (!impl->kind.empty() && impl->kind.back() == Tokenizer::Impl::kNone) {
    impl->kind.pop_back();
    impl->piece.pop_back();
    impl->bytes.pop_back();
  }
  return impl;
}

}  // namespace

Tokenizer Tokenizer::from_vocab(const VocabSpec& spec) { return Tokenizer(VocabBuilder(spec).run()); }

}  // namespace dseek
