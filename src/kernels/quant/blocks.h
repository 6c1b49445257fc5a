// ggml's block layouts (ggml-common.h), byte for byte: a row of a block-quantised tensor is
// its blocks back to back, no padding. Multi-byte fields are little-endian; the structs are
// plain byte arrays plus uint16 fields, so they may be read from any address via memcpy or a
// reinterpret_cast of a correctly laid out buffer (GGUF data is 32-byte aligned, and every
// field is at an offset its size divides within the block — except that blocks themselves
// start at multiples of odd sizes such as 18 or 34 bytes, so kernels read multi-byte fields
// with load_u16 / load_u32 below rather than through the struct).
//
//   type     elems  bytes  value of element e
//   Q4_0       32    18    d * (q - 8),              q = 4-bit
//   Q4_1       32    20    d * q + m
//   Q5_0       32    22    d * (q - 16),             q = 5-bit (high bit in qh)
//   Q5_1       32    24    d * q + m
//   Q8_0       32    34    d * q,                    q = int8
//   Q2_K      256    84    d * sc * q - dmin * m,    16 groups of 16, 4-bit sc / m, q = 2-bit
//   Q3_K      256   110    d * (sc - 32) * q,        16 groups of 16, 6-bit sc, q in [-4, 3]
//   Q4_K      256   144    d * sc * q - dmin * m,    8 groups of 32, 6-bit sc / m, q = 4-bit
//   Q5_K      256   176    d * sc * q - dmin * m,    8 groups of 32, 6-bit sc / m, q = 5-bit
//   Q6_K      256   210    d * sc * (q - 32),        16 groups of 16, int8 sc, q = 6-bit
//   IQ2_XXS   256    66    d * (0.5 + s) / 4 * +-grid,  8 groups of 32: 4 x 8 from iq2xxs_grid
//   IQ3_XXS   256    98    d * (0.5 + s) / 2 * +-grid,  8 groups of 32: 8 x 4 from iq3xxs_grid
//   IQ1_S     256    50    d * (2s + 1) * (grid +- 1/8), 8 groups of 32: 4 x 8 from iq1s_grid
//   IQ4_NL     32    18    d * kvalues_iq4nl[q]
//   IQ4_XS    256   136    d * (s - 32) * kvalues_iq4nl[q], 8 groups of 32, 6-bit s
// (d, m, dmin: fp16.) The exact formulas, including ggml's nibble and bit orders, are in
// dequant_ref.cc.
#pragma once
#include <cstdint>
#include <cstring>

namespace dseek::quant {

constexpr int kQK = 32;    // elements of the 32-element blocks (Q4_0 .. Q8_0, IQ4_NL)
constexpr int kQK_K = 256;  // elements of a K-quant / IQ super-block
constexpr int kScaleBytesK = 12;  // packed 6-bit scales and mins of Q4_K / Q5_K

struct BlockQ4_0 { uint16_t d; uint8_t qs[kQK / 2]; };
struct BlockQ4_1 { uint16_t d, m; uint8_t qs[kQK / 2]; };
struct BlockQ5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[kQK / 2]; };
struct BlockQ5_1 { uint16_t d, m; uint8_t qh[4]; uint8_t qs[kQK / 2]; };
struct BlockQ8_0 { uint16_t d; int8_t qs[kQK]; };
struct BlockQ2_K { uint8_t scales[kQK_K / 16]; uint8_t qs[kQK_K / 4]; uint16_t d, dmin; };
struct BlockQ3_K { uint8_t hmask[kQK_K / 8]; uint8_t qs[kQK_K / 4]; uint8_t scales[12]; uint16_t d; };
struct BlockQ4_K { uint16_t d, dmin; uint8_t scales[kScaleBytesK]; uint8_t qs[kQK_K / 2]; };
struct BlockQ5_K { uint16_t d, dmin; uint8_t scales[kScaleBytesK]; uint8_t qh[kQK_K / 8]; uint8_t qs[kQK_K / 2]; };
struct BlockQ6_K { uint8_t ql[kQK_K / 2]; uint8_t qh[kQK_K / 4]; int8_t scales[kQK_K / 16]; uint16_t d; };
struct BlockIQ2_XXS { uint16_t d; uint16_t qs[kQK_K / 8]; };
struct BlockIQ3_XXS { uint16_t d; uint8_t qs[3 * kQK_K / 8]; };
struct BlockIQ1_S { uint16_t d; uint8_t qs[kQK_K / 8]; uint16_t qh[kQK_K / 32]; };
struct BlockIQ4_NL { uint16_t d; uint8_t qs[kQK / 2]; };
struct BlockIQ4_XS { uint16_t d; uint16_t scales_h; uint8_t scales_l[kQK_K / 64]; uint8_t qs[kQK_K / 2]; };

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24 && sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110 && sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176 && sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockIQ2_XXS) == 66 && sizeof(BlockIQ3_XXS) == 98 && sizeof(BlockIQ1_S) == 50);
static_assert(sizeof(BlockIQ4_NL) == 18 && sizeof(BlockIQ4_XS) == 136);

// Byte offsets of the fields kernels read from unaligned block addresses.
namespace off {
constexpr int kQ2K_d = 80, kQ2K_dmin = 82;
constexpr int kQ3K_scales = 96, kQ3K_d = 108;
constexpr int kQ6K_qh = 128, kQ6K_scales = 192, kQ6K_d = 208;
constexpr int kQ5K_qh = 16, kQ5K_qs = 48;
constexpr int kIQ1S_qh = 34;
}  // namespace off

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// IEEE binary16 -> binary32, exact for every input (subnormals, inf, NaN payloads), without
// F16C: the branch-free conversion of the FP16 library (M. Maratos): normal values by one
// re-bias multiply, subnormals by a magic-number subtraction.
inline float fp16_to_f32(uint16_t h) {
  const uint32_t w = static_cast<uint32_t>(h) << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;
  auto from_bits = [](uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  };
  auto to_bits = [](float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
  };
  const float normalized = from_bits((two_w >> 4) + (0xE0u << 23)) * 0x1.0p-112f;
  const float denormalized = from_bits((two_w >> 17) | (126u << 23)) - 0.5f;
  const uint32_t r = two_w < (1u << 27) ? to_bits(denormalized) : to_bits(normalized);
  return from_bits(sign | r);
}
inline float load_f16(const uint8_t* p) { return fp16_to_f32(load_u16(p)); }

// Q4_K / Q5_K: the 6-bit scale and min of 32-element group j (0..7) from the 12 packed bytes
// (ggml's get_scale_min_k4).
inline void scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// Q3_K: the 16 signed 6-bit scales (already minus 32) from the 12 packed bytes.
inline void scales_q3k(const uint8_t* packed, int8_t out[16]) {
  uint32_t aux[4];
  std::memcpy(aux, packed, 12);
  const uint32_t kmask1 = 0x03030303u, kmask2 = 0x0f0f0f0fu, tmp = aux[2];
  aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
  aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
  aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
  aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
  std::memcpy(out, aux, 16);
  for (int i = 0; i < 16; ++i) out[i] = static_cast<int8_t>(out[i] - 32);
}

}  // namespace dseek::quant
