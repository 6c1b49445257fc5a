// Scalar definition of the int8 numerics mode (int8_act.h): activation quantisation and the
// product of a block-type weight row with an int8 activation row. The SIMD kernels
// (int8_gemm_hwy.cc) give exactly these floats.
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/quant/blocks.h"
#include "kernels/quant/grids.h"
#include "kernels/quant/int8_act.h"
#include "runtime/error.h"

namespace dseek {
namespace {

using namespace quant;

// Q4_K: 8 groups of 32; group j's 4-bit codes are the low (j even) or high (j odd) nibbles of
// qs[32 (j / 2) ...].
float q4_k(const uint8_t* b, const Q8Block& x) {
  const uint8_t* qs = b + 16;
  int32_t isum = 0, imin = 0;
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    scale_min_k4(j, b + 4, &sc, &m);
    int32_t s = 0;
    for (int l = 0; l < 32; ++l) s += ((qs[32 * (j / 2) + l] >> (4 * (j % 2))) & 0xF) * x.q[32 * j + l];
    isum += sc * s;
    imin += m * (x.bsum[2 * j] + x.bsum[2 * j + 1]);
  }
  return std::fma(load_f16(b), static_cast<float>(isum), -(load_f16(b + 2) * static_cast<float>(imin)));
}

// Q2_K: element 128 h + 32 k + l has code (qs[32 h + l] >> 2 k) & 3; group j = element / 16
// has scale scales[j] & 15 and min scales[j] >> 4.
float q2_k(const uint8_t* b, const Q8Block& x) {
  const uint8_t* qs = b + 16;
  int32_t isum = 0, imin = 0;
  for (int j = 0; j < 16; ++j) {
    const int h = j / 8, k = (j % 8) / 2, l0 = 16 * (j % 2);
    int32_t s = 0;
    for (int l = l0; l < l0 + 16; ++l) s += ((qs[32 * h + l] >> (2 * k)) & 3) * x.q[16 * j + l - l0];
    isum += (b[j] & 0xF) * s;
    imin += (b[j] >> 4) * x.bsum[j];
  }
  return std::fma(load_f16(b + off::kQ2K_d), static_cast<float>(isum),
                  -(load_f16(b + off::kQ2K_dmin) * static_cast<float>(imin)));
}

// Q6_K: element 128 h + 32 k + l has code (low nibble of ql[64 h + l + 32 (k & 1)] shifted by
// 4 (k >> 1)) | ((qh[32 h + l] >> 2 k) & 3) << 4, value d * sc[element / 16] * (code - 32).
float q6_k(const uint8_t* b, const Q8Block& x) {
  const uint8_t *ql = b, *qh = b + off::kQ6K_qh;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + off::kQ6K_scales);
  int32_t isum = 0;
  for (int j = 0; j < 16; ++j) {
    const int h = j / 8, k = (j % 8) / 2, l0 = 16 * (j % 2);
    int32_t s = 0;
    for (int l = l0; l < l0 + 16; ++l) {
      const int lo = (ql[64 * h + l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xF;
      const int hi = (qh[32 * h + l] >> (2 * k)) & 3;
      s += (lo | hi << 4) * x.q[16 * j + l - l0];
    }
    isum += sc[j] * (s - 32 * x.bsum[j]);
  }
  return load_f16(b + off::kQ6K_d) * static_cast<float>(isum);
}

// IQ2_XXS: group j's 8 bytes: 4 grid indices, then 4 x 7 sign bits and the 4-bit scale s.
float iq2_xxs(const uint8_t* b, const Q8Block& x) {
  const uint8_t* qs = b + 2;
  int32_t isum = 0;
  for (int j = 0; j < 8; ++j) {
    const uint32_t aux1 = load_u32(qs + 8 * j + 4);
    int32_t s = 0;
    for (int g = 0; g < 4; ++g) {
      const uint64_t grid = iq2xxs_grid[qs[8 * j + g]];
      const uint8_t signs = ksigns_iq2xs[(aux1 >> (7 * g)) & 127];
      for (int i = 0; i < 8; ++i) {
        const int w = static_cast<int>((grid >> (8 * i)) & 0xFF);
        s += ((signs >> i) & 1 ? -w : w) * x.q[32 * j + 8 * g + i];
      }
    }
    isum += static_cast<int32_t>(2 * (aux1 >> 28) + 1) * s;
  }
  return (0.125f * load_f16(b)) * static_cast<float>(isum);
}

}  // namespace

bool has_int8_kernel(DType t) {
  return t == DType::Q2_K || t == DType::Q4_K || t == DType::Q6_K || t == DType::IQ2_XXS;
}

void quantize_act_q8_ref(const float* x, int64_t K, Q8Block* out) {
  for (int64_t b = 0; b < K / 256; ++b) {
    const float* xb = x + 256 * b;
    Q8Block& o = out[b];
    float amax = 0.0f;
    for (int i = 0; i < 256; ++i) amax = std::max(amax, std::fabs(xb[i]));
    const float s = amax > 0.0f ? 127.0f / amax : 0.0f;
    for (int i = 0; i < 256; ++i) {
      const float v = std::nearbyint(xb[i] * s);
      o.q[i] = static_cast<int8_t>(v > 127.0f ? 127 : v < -127.0f ? -127 : v);
    }
    for (int g = 0; g < 16; ++g) {
      int s16 = 0;
      for (int i = 0; i < 16; ++i) s16 += o.q[16 * g + i];
      o.bsum[g] = static_cast<int16_t>(s16);
    }
    o.d = amax > 0.0f ? 1.0f / s : 0.0f;
  }
}

float int8_dot_ref(DType t, const uint8_t* row, const Q8Block* x, int64_t nb) {
  float (*f)(const uint8_t*, const Q8Block&) = nullptr;
  switch (t) {
    case DType::Q2_K: f = q2_k; break;
    case DType::Q4_K: f = q4_k; break;
    case DType::Q6_K: f = q6_k; break;
    case DType::IQ2_XXS: f = iq2_xxs; break;
    default: throw Error("int8 numerics: no int8 kernel for " + std::string(dtype_name(t)));
  }
  const int64_t bb = static_cast<int64_t>(dtype_block_bytes(t));
  float acc = 0.0f;
  for (int64_t b = 0; b < nb; ++b) acc = std::fma(x[b].d, f(row + b * bb, x[b]), acc);
  return acc;
}

}  // namespace dseek
