#include "kernels/numeric.h"

#include <array>
#include <limits>

namespace dseek {

namespace {
constexpr float decode_e4m3(int c) {
  int s = c >> 7, e = (c >> 3) & 15, m = c & 7;
  if (e == 15 && m == 7) return std::numeric_limits<float>::quiet_NaN();
  float v = 0;
  if (e == 0) {
    v = m / 512.0f;  // subnormal: m * 2^-9
  } else {
    float p = 1.0f;
    for (int i = 7; i < e; ++i) p *= 2.0f;
    for (int i = e; i < 7; ++i) p /= 2.0f;
    v = (1.0f + m / 8.0f) * p;
  }
  return s ? -v : v;
}
constexpr std::array<float, 256> make_table() {
  std::array<float, 256> t{};
  for (int i = 0; i < 256; ++i) t[i] = decode_e4m3(i);
  return t;
}
constexpr std::array<float, 256> kTable = make_table();
}  // namespace

const float kE4M3Table[256] = {
#define R(i) kTable[i], kTable[i + 1], kTable[i + 2], kTable[i + 3], kTable[i + 4], kTable[i + 5], kTable[i + 6], kTable[i + 7]
    R(0),   R(8),   R(16),  R(24),  R(32),  R(40),  R(48),  R(56),  R(64),  R(72),  R(80),
    R(88),  R(96),  R(104), R(112), R(120), R(128), R(136), R(144), R(152), R(160), R(168),
    R(176), R(184), R(192), R(200), R(208), R(216), R(224), R(232), R(240), R(248)
#undef R
};

uint8_t f32_to_e4m3_code(float v) {
  if (v == 0.0f) return 0;  // -0 encodes as +0, as the reference encoder does
  uint8_t sign = std::signbit(v) ? 0x80 : 0;
  float a = std::fabs(v);
  for (int c = 0; c < 127; ++c)  // 127 positive codes; a linear scan is fine off the hot path
    if (kTable[c] == a) return static_cast<uint8_t>(c | sign);
  return static_cast<uint8_t>(0x7e | sign);  // saturate (caller passes grid values)
}

}  // namespace dseek
