// The real tokenizer (models/nano-agent/tokenizer.json, loaded once): encode of arbitrary
// bytes (invalid UTF-8 is refused with dseek::Error) and decode of arbitrary ids (unknown
// ids are dropped). Input: byte 0 picks the mode (bit 0: decode, bit 1: skip special
// tokens); the rest is the text, or little-endian int32 ids. Checks: no crash, no UB, no
// leak, no other exception; encoded ids are in the vocabulary; decode(encode(text)) == text;
// StreamDecoder's pieces add up to decode().
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "tokenizer/tokenizer.h"

namespace {
const dseek::Tokenizer* g_tok = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static const dseek::Tokenizer tok = dseek::Tokenizer::load(DSEEK_REPO_DIR "/models/nano-agent/tokenizer.json");
  g_tok = &tok;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool decode = data[0] & 1, skip = data[0] & 2;
  ++data, --size;
  if (!decode) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<int32_t> ids;
    try {
      ids = g_tok->encode(text);
    } catch (const dseek::Error&) {
      return 0;  // invalid UTF-8
    }
    for (int32_t id : ids)
      if (id < 0 || size_t(id) >= g_tok->vocab_size()) std::abort();
    if (g_tok->decode(ids) != text) {
      std::fprintf(stderr, "decode(encode(text)) != text\n");
      std::abort();
    }
    return 0;
  }
  std::vector<int32_t> ids(size / 4);
  if (!ids.empty()) std::memcpy(ids.data(), data, ids.size() * 4);
  const std::string whole = g_tok->decode(ids, skip);
  dseek::StreamDecoder sd(*g_tok, skip);
  std::string pieces;
  for (int32_t id : ids) {
    pieces += sd.push(id);
    (void)g_tok->id_to_token(id);
  }
  pieces += sd.flush();
  if (pieces != whole) {
    std::fprintf(stderr, "StreamDecoder pieces != decode()\n");
    std::abort();
  }
  return 0;
}
