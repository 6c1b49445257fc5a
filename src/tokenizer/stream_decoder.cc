// StreamDecoder: incremental decoding that never emits a character it might have to revise.
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"

namespace dseek {

StreamDecoder::StreamDecoder(const Tokenizer& tok, bool skip_special_tokens)
    : impl_(tok.impl_), skip_special_(skip_special_tokens) {}

std::string StreamDecoder::push(int32_t id) {
  const Tokenizer::Impl& t = *impl_;
  std::string out;
  if (!t.has(id)) return out;
  const Tokenizer::Impl::Kind k = t.kind[id];
  if (k == Tokenizer::Impl::kSpecial && skip_special_) return out;
  if (k != Tokenizer::Impl::kVocab) {
    // An added token ends the byte run, exactly as in Tokenizer::decode.
    out = flush();
    out += t.piece[id];
    return out;
  }
  pending_ += t.bytes[id];
  // Lossy decoding is sequential, so bytes before a trailing incomplete character decode the
  // same whatever follows; only that tail (at most 3 bytes) waits.
  const size_t n = utf8::stable_prefix(pending_);
  utf8::append_lossy(std::string_view(pending_).substr(0, n), out);
  pending_.erase(0, n);
  return out;
}

std::string StreamDecoder::flush() {
  std::string out;
  utf8::append_lossy(pending_, out);
  pending_.clear();
  return out;
}

}  // namespace dseek
