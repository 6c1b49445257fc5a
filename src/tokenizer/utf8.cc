#include "tokenizer/utf8.h"

#include "runtime/utf8_encode.h"

#include <cstdint>

namespace dseek::utf8 {
namespace {

enum class Status { kValid, kInvalid, kTruncated };

struct Step {
  size_t len;  // bytes covered: the character, the maximal invalid subpart, or the tail
  Status status;
};

// Classifies the sequence starting at s[i] following Unicode Table 3-7 (well-formed byte
// sequences). Only the second byte has a lead-dependent range; later ones are 80..BF.
Step scan(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) return {1, Status::kValid};
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {1, Status::kInvalid};  // stray continuation byte, C0/C1, F5..FF
  }
  size_t k = 1;
  for (; k < need; ++k) {
    if (i + k >= s.size()) return {k, Status::kTruncated};
    const auto b = static_cast<uint8_t>(s[i + k]);
    if (b < lo || b > hi) return {k, Status::kInvalid};
    lo = 0x80;
    hi = 0xBF;
  }
  return {need, Status::kValid};
}

}  // namespace

size_t valid_prefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const Step st = scan(s, i);
    if (st.status != Status::kValid) break;
    i += st.len;
  }
  return i;
}

void append_lossy(std::string_view bytes, std::string& out) {
  size_t i = 0;
  while (i < bytes.size()) {
    const Step st = scan(bytes, i);
    if (st.status == Status::kValid) {
      out.append(bytes.data() + i, st.len);
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
    }
    i += st.len;
  }
}

size_t stable_prefix(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const Step st = scan(bytes, i);
    if (st.status == Status::kTruncated) return i;
    i += st.len;
  }
  return i;
}

void append_code_point(char32_t cp, std::string& out) { dseek::append_utf8(out, cp); }

}  // namespace dseek::utf8
