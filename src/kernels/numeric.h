// Scalar number formats of the checkpoint and of DeepSeek's serving numerics:
// bf16 (round-to-nearest-even from fp32) and FP8 e4m3fn (OCP "E4M3FN": bias 7, no inf,
// max 448, subnormals down to 2^-9).
#pragma once
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace dseek {

inline float bf16_to_f32(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// fp32 -> bf16 bits, round to nearest even (what a GPU cast does); NaN -> quiet NaN.
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

// Rounds an fp32 value to the nearest bf16 value (kept as fp32).
inline float bf16_round(float f) { return bf16_to_f32(f32_to_bf16(f)); }

// The 256 e4m3fn code values as fp32 (codes 0x7f / 0xff are NaN).
extern const float kE4M3Table[256];
inline float e4m3_to_f32(uint8_t c) { return kE4M3Table[c]; }

// E8M0 (DeepSeek-V4's weight scales): code c is 2^(c - 127), code 255 NaN; code 0 is 2^-127,
// an fp32 subnormal. Every value is exact in fp32.
constexpr float e8m0_to_f32(uint8_t c) {
  return std::bit_cast<float>(c == 0 ? 0x00400000u : c == 255 ? 0x7fc00000u : static_cast<uint32_t>(c) << 23);
}
// The same as a table (the kernels' per-block lookups: one load, no branch).
alignas(64) inline constexpr std::array<float, 256> kE8M0Table = [] {
  std::array<float, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = e8m0_to_f32(static_cast<uint8_t>(c));
  return t;
}();

// The 16 e2m1 (FP4) code values: bits 2..1 exponent (bias 1), bit 0 mantissa, bit 3 sign
// (code 8 is -0).
alignas(64) inline constexpr float kE2M1Values[16] = {0.0f,  0.5f,  1.0f,  1.5f,  2.0f,  3.0f,  4.0f,  6.0f,
                                                      -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f};

// Rounds a finite value to the nearest e4m3fn value, ties to even, saturating at +-448.
// Source: st_io.e4m3_round of the oracle (quantum 2^(lead-3), subnormal floor 2^-9).
inline float e4m3_round(float x) {
  float a = std::fabs(x);
  if (a >= 448.0f) return x < 0 ? -448.0f : 448.0f;
  if (a == 0.0f) return 0.0f * x;
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  int lead = e - 1 < -6 ? -6 : e - 1;
  float q = std::ldexp(1.0f, lead - 3);
  float r = std::nearbyint(a / q) * q;  // default rounding mode: half to even
  return x < 0 ? -r : r;
}

// e4m3fn code of a value already on the e4m3 grid.
uint8_t f32_to_e4m3_code(float v);

// 2^ceil(log2(t)) for t > 0, exact (ue8m0 scale rounding).
inline float pow2_ceil(float t) {
  int e;
  float m = std::frexp(t, &e);
  if (m == 0.5f) e -= 1;
  return std::ldexp(1.0f, e);
}

}  // namespace dseek
