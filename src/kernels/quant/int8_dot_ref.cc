// Scalar definition of the int8 numerics mode (int8_act.h): activation quantisation and the
// product of a block-type weight row with an int8 activation row, with the 16 + 8 lanes the
// definition names. The SIMD kernels (int8_gemm_hwy.cc) give exactly these floats.
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

// A block's integer lanes and its float scales (before the activation's d).
struct Lanes {
  int32_t a[16] = {};
  int32_t m[8] = {};
  float sa = 0.0f, sm = 0.0f;
};

// Adds code * scale * x over element e = 64 p + 4 l + i to lane l.
template <typename CodeScale>
void fill_a(const Q8Block& x, Lanes& o, CodeScale cs) {
  for (int e = 0; e < 256; ++e) {
    int code, scale, xv = x.q[e];
    cs(e, &code, &scale, &xv);
    o.a[(e % 64) / 4] += scale * code * xv;
  }
}

// Q4_K: group j = e / 32 (scale sc_j, min m_j); its codes are the low (j even) or high (j odd)
// nibbles of qs[32 (j / 2) ...].
void q4_k(const uint8_t* b, const Q8Block& x, Lanes& o) {
  uint8_t sc[8], m[8];
  for (int j = 0; j < 8; ++j) scale_min_k4(j, b + 4, &sc[j], &m[j]);
  fill_a(x, o, [&](int e, int* code, int* scale, int*) {
    const int j = e / 32;
    *code = (b[16 + 32 * (j / 2) + e % 32] >> (4 * (j % 2))) & 0xF;
    *scale = sc[j];
  });
  for (int j = 0; j < 8; ++j) o.m[j] = m[j] * (x.bsum[2 * j] + x.bsum[2 * j + 1]);
  o.sa = load_f16(b);
  o.sm = load_f16(b + 2);
}

// Q2_K: element e = 128 h + 32 k + l has code (qs[32 h + l] >> 2 k) & 3; group e / 16 has
// scale scales[g] & 15 and min scales[g] >> 4.
void q2_k(const uint8_t* b, const Q8Block& x, Lanes& o) {
  fill_a(x, o, [&](int e, int* code, int* scale, int*) {
    *code = (b[16 + 32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
    *scale = b[e / 16] & 0xF;
  });
  for (int i = 0; i < 8; ++i) o.m[i] = (b[2 * i] >> 4) * x.bsum[2 * i] + (b[2 * i + 1] >> 4) * x.bsum[2 * i + 1];
  o.sa = load_f16(b + off::kQ2K_d);
  o.sm = load_f16(b + off::kQ2K_dmin);
}

// Q6_K: element e = 128 h + 32 k + l has code (low nibble of ql[64 h + l + 32 (k & 1)] shifted
// by 4 (k >> 1)) | ((qh[32 h + l] >> 2 k) & 3) << 4 (0..63, value code - 32) and the int8
// scale of group e / 16. The offset's 32 * sum(scale * x) goes into lanes 0-7, pairwise.
void q6_k(const uint8_t* b, const Q8Block& x, Lanes& o) {
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + off::kQ6K_scales);
  fill_a(x, o, [&](int e, int* code, int* scale, int*) {
    const int h = e / 128, k = (e % 128) / 32, l = e % 32;
    const int lo = (b[64 * h + l + 32 * (k & 1)] >> (4 * (k >> 1))) & 0xF;
    const int hi = (b[off::kQ6K_qh + 32 * h + l] >> (2 * k)) & 3;
    *code = lo | hi << 4;
    *scale = sc[e / 16];
  });
  for (int i = 0; i < 8; ++i) o.a[i] -= 32 * (sc[2 * i] * x.bsum[2 * i] + sc[2 * i + 1] * x.bsum[2 * i + 1]);
  o.sa = load_f16(b + off::kQ6K_d);
}

// IQ2_XXS: group j = e / 32 has 8 bytes: 4 grid indices, then 4 x 7 sign bits and the 4-bit
// scale s (weight (2 s + 1) / 8 * d * grid, sign moved onto x).
void iq2_xxs(const uint8_t* b, const Q8Block& x, Lanes& o) {
  const uint8_t* qs = b + 2;
  fill_a(x, o, [&](int e, int* code, int* scale, int* xv) {
    const int j = e / 32, g = (e % 32) / 8, i = e % 8;
    const uint32_t aux1 = load_u32(qs + 8 * j + 4);
    *code = static_cast<int>((iq2xxs_grid[qs[8 * j + g]] >> (8 * i)) & 0xFF);
    *scale = static_cast<int>(2 * (aux1 >> 28) + 1);
    if ((ksigns_iq2xs[(aux1 >> (7 * g)) & 127] >> i) & 1) *xv = -*xv;
  });
  o.sa = 0.125f * load_f16(b);
}

// Lanes l and l + h summed for h = n / 2, ..., 1: lane 0 holds the total.
float fold(float* v, int n) {
  for (int h = n / 2; h >= 1; h /= 2)
    for (int l = 0; l < h; ++l) v[l] += v[l + h];
  return v[0];
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
  void (*f)(const uint8_t*, const Q8Block&, Lanes&) = nullptr;
  switch (t) {
    case DType::Q2_K: f = q2_k; break;
    case DType::Q4_K: f = q4_k; break;
    case DType::Q6_K: f = q6_k; break;
    case DType::IQ2_XXS: f = iq2_xxs; break;
    default: throw Error("int8 numerics: no int8 kernel for " + std::string(dtype_name(t)));
  }
  const int64_t bb = static_cast<int64_t>(dtype_block_bytes(t));
  float F[16] = {}, G[8] = {};
  for (int64_t b = 0; b < nb; ++b) {
    Lanes o;
    f(row + b * bb, x[b], o);
    const float sa = o.sa * x[b].d, sm = o.sm * x[b].d;
    for (int l = 0; l < 16; ++l) F[l] = std::fma(static_cast<float>(o.a[l]), sa, F[l]);
    for (int l = 0; l < 8; ++l) G[l] = std::fma(static_cast<float>(o.m[l]), sm, G[l]);
  }
  return fold(F, 16) - fold(G, 8);
}

}  // namespace dseek
