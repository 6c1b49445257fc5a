// Tokenizer encode/decode and the id <-> token accessors.
#include "tokenizer/tokenizer.h"

#include "runtime/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace dseek {

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  const Impl& t = *impl_;
  const size_t valid = utf8::valid_prefix(text);
  if (valid != text.size()) {
    // PCRE2 requires valid UTF-8, and HF only accepts Rust strings; refuse rather than guess.
    throw Error("tokenizer: encode: input is not valid UTF-8 (byte offset " +
                std::to_string(valid) + ")");
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<Segment> segments;
  t.added.split(text, segments);
  std::vector<Span> words;
  for (const Segment& seg : segments) {
    if (seg.added_id >= 0) {
      ids.push_back(seg.added_id);
      continue;
    }
    // Each stretch between added tokens is pre-tokenized on its own, as in HF.
    const std::string_view part = text.substr(seg.begin, seg.end - seg.begin);
    t.pre.run(part, words);
    for (const Span& w : words) {
      const std::string_view word = part.substr(w.begin, w.end - w.begin);
      if (t.ignore_merges) {
        auto it = t.vocab_ids.find(byte_level::bytes_to_piece(word));
        if (it != t.vocab_ids.end()) {
          ids.push_back(it->second);
          continue;
        }
      }
      t.bpe.encode_word(word, ids);
    }
  }
  return ids;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const Impl& t = *impl_;
  std::string out;
  std::string bytes;  // the current run of vocab-piece bytes, decoded when it ends
  for (const int32_t id : ids) {
    if (!t.has(id)) continue;
    const Impl::Kind k = t.kind[id];
    if (k == Impl::kSpecial && skip_special_tokens) continue;
    if (k == Impl::kVocab) {
      bytes += t.bytes[id];
      continue;
    }
    utf8::append_lossy(bytes, out);
    bytes.clear();
    out += t.piece[id];
  }
  utf8::append_lossy(bytes, out);
  return out;
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  if (auto it = impl_->added_ids.find(token); it != impl_->added_ids.end()) return it->second;
  if (auto it = impl_->vocab_ids.find(token); it != impl_->vocab_ids.end()) return it->second;
  return -1;
}

std::string Tokenizer::id_to_token(int32_t id) const {
  return impl_->has(id) ? impl_->piece[id] : std::string();
}

bool Tokenizer::is_special(int32_t id) const {
  return impl_->has(id) && impl_->kind[id] == Impl::kSpecial;
}

bool Tokenizer::is_added(int32_t id) const { return impl_->added_token(id); }

size_t Tokenizer::vocab_size() const { return impl_->kind.size(); }

}  // namespace dseek
