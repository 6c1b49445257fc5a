// 32-element block quantizers: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 (ggml's quantize_row_*_ref without
// importance, quantize_row_*_impl with it) and IQ4_NL (ggml's quantize_iq4_nl, which
// llama-quantize runs with and without an imatrix). Layouts: blocks.h (element j in the low
// nibble of qs[j], j+16 in the high one; Q5's qh bit j is the 5th bit of element j).
#include <algorithm>
#include <cmath>
#include <cfloat>

#include "kernels/quant/quantize_helpers.h"

DSEEK_QZ_NO_CONTRACT

namespace dseek::qz {

namespace {
// The row statistic of ggml's importance-weighted legacy quantizers: element weights are
// qw * sqrt(sigma2 + x^2) with sigma2 the mean square of the whole row.
float row_sigma2(const float* x, int64_t n) {
  float s = 0;
  for (int64_t j = 0; j < n; ++j) s += x[j] * x[j];
  return s / n;
}

void importance_weights(const float* xb, const float* qw, float sigma2, float* w) {
  for (int j = 0; j < kQK; ++j) w[j] = qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
}

void pack_nibbles(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>(L[j] | (L[j + 16] << 4));
}

// Low nibbles into qs, 5th bits into the little-endian u32 at qh.
void pack_5bit(const uint8_t* L, uint8_t* qh, uint8_t* qs) {
  uint32_t h = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = static_cast<uint8_t>((L[j] & 0x0f) | ((L[j + 16] & 0x0f) << 4));
    h |= ((L[j] & 0x10u) >> 4) << j;
    h |= ((L[j + 16] & 0x10u) >> 4) << (j + 16);
  }
  for (int b = 0; b < 4; ++b) qh[b] = static_cast<uint8_t>(h >> (8 * b));
}

// The signed value of largest magnitude (first one on ties), as the _ref quantizers pick it.
float signed_absmax(const float* x) {
  float amax = 0, max = 0;
  for (int j = 0; j < kQK; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// Symmetric _ref (Q4_0: levels 16, Q5_0: 32): d = max / -(levels/2), codes trunc(x/d + half + 0.5).
void symmetric_ref(const float* x, int levels, float* d_out, uint8_t* L) {
  const float max = signed_absmax(x);
  const float d = max / static_cast<float>(-(levels / 2));
  const float id = d ? 1.0f / d : 0.0f;
  const float bias = levels / 2 + 0.5f;
  for (int j = 0; j < kQK; ++j) L[j] = static_cast<uint8_t>(std::min(levels - 1, static_cast<int>(x[j] * id + bias)));
  *d_out = d;
}

// Asymmetric _ref (Q4_1: 16 levels, Q5_1: 32): d = (max - min) / (levels - 1), m = min.
void asymmetric_ref(const float* x, int levels, float* d_out, float* m_out, uint8_t* L) {
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < kQK; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / (levels - 1);
  const float id = d ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) {
    const int v = static_cast<int>((x[j] - min) * id + 0.5f);
    L[j] = static_cast<uint8_t>(levels == 16 ? std::min(15, v) : v);
  }
  *d_out = d;
  *m_out = min;
}
}  // namespace

void quantize_q8_0(const float* x, uint8_t* dst, int64_t n) {
  using B = quant::BlockQ8_0;
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, dst += sizeof(B)) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127;
    const float id = d ? 1.0f / d : 0.0f;
    put_u16(dst + offsetof(B, d), fp32_to_fp16(d));
    for (int j = 0; j < kQK; ++j) dst[offsetof(B, qs) + j] = static_cast<uint8_t>(static_cast<int8_t>(std::round(x[j] * id)));
  }
}

// Symmetric with importance (Q4_0: nmax 8, Q5_0: 16): make_qx_quants weighted fit.
static void symmetric_weighted(const float* x, const float* qw, float sigma2, int nmax, float* d, uint8_t* L) {
  float w[kQK];
  int8_t l8[kQK];
  importance_weights(x, qw, sigma2, w);
  *d = make_qx_quants(kQK, nmax, x, l8, 1, w);
  for (int j = 0; j < kQK; ++j) L[j] = static_cast<uint8_t>(l8[j]);
}

// Asymmetric with importance (Q4_1: nmax 15, Q5_1: 31): make_qkx3_quants weighted fit.
static void asymmetric_weighted(const float* x, const float* qw, float sigma2, int nmax, float* d, float* m, uint8_t* L) {
  float w[kQK], min;
  uint8_t aux[kQK];
  importance_weights(x, qw, sigma2, w);
  *d = make_qkx3_quants(kQK, nmax, x, w, L, &min, aux, -0.9f, 0.05f, 36, false);
  *m = -min;
}

void quantize_q4_0(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  const float sigma2 = imp ? row_sigma2(x, n) : 0;
  using B = quant::BlockQ4_0;
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, dst += sizeof(B)) {
    float d;
    uint8_t L[kQK];
    if (imp) symmetric_weighted(x, imp + b * kQK, sigma2, 8, &d, L);
    else symmetric_ref(x, 16, &d, L);
    put_u16(dst + offsetof(B, d), fp32_to_fp16(d));
    pack_nibbles(L, dst + offsetof(B, qs));
  }
}

void quantize_q5_0(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  const float sigma2 = imp ? row_sigma2(x, n) : 0;
  using B = quant::BlockQ5_0;
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, dst += sizeof(B)) {
    float d;
    uint8_t L[kQK];
    if (imp) symmetric_weighted(x, imp + b * kQK, sigma2, 16, &d, L);
    else symmetric_ref(x, 32, &d, L);
    put_u16(dst + offsetof(B, d), fp32_to_fp16(d));
    pack_5bit(L, dst + offsetof(B, qh), dst + offsetof(B, qs));
  }
}

void quantize_q4_1(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  const float sigma2 = imp ? row_sigma2(x, n) : 0;
  using B = quant::BlockQ4_1;
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, dst += sizeof(B)) {
    float d, m;
    uint8_t L[kQK];
    if (imp) asymmetric_weighted(x, imp + b * kQK, sigma2, 15, &d, &m, L);
    else asymmetric_ref(x, 16, &d, &m, L);
    put_u16(dst + offsetof(B, d), fp32_to_fp16(d));
    put_u16(dst + offsetof(B, m), fp32_to_fp16(m));
    pack_nibbles(L, dst + offsetof(B, qs));
  }
}

void quantize_q5_1(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  const float sigma2 = imp ? row_sigma2(x, n) : 0;
  using B = quant::BlockQ5_1;
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, dst += sizeof(B)) {
    float d, m;
    uint8_t L[kQK];
    if (imp) asymmetric_weighted(x, imp + b * kQK, sigma2, 31, &d, &m, L);
    else asymmetric_ref(x, 32, &d, &m, L);
    put_u16(dst + offsetof(B, d), fp32_to_fp16(d));
    put_u16(dst + offsetof(B, m), fp32_to_fp16(m));
    pack_5bit(L, dst + offsetof(B, qh), dst + offsetof(B, qs));
  }
}

void quantize_iq4_nl(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  using B = quant::BlockIQ4_NL;
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, dst += sizeof(B)) {
    uint16_t d16;
    quantize_iq4_superblock(kQK, x, imp ? imp + b * kQK : nullptr, 7, &d16, dst + offsetof(B, qs), nullptr, nullptr);
    put_u16(dst + offsetof(B, d), d16);
  }
}

}  // namespace dseek::qz
