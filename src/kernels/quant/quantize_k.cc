// K-quant quantizers, 256-element super-blocks: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K. Without
// importance they are ggml's quantize_row_q*_K_ref (what quantize_q*_K, and so llama-quantize
// without an imatrix, runs); with importance, ggml's quantize_row_q*_K_impl. Layouts:
// blocks.h (Q2_K scales: low nibble scale, high nibble min; Q3_K: 6-bit scales offset by 32;
// Q4_K / Q5_K: 8 6-bit scales + 8 6-bit mins in 12 bytes).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/quant/quantize_helpers.h"

DSEEK_QZ_NO_CONTRACT

namespace dseek::qz {

namespace {
using Q2 = quant::BlockQ2_K;
using Q3 = quant::BlockQ3_K;
using Q4 = quant::BlockQ4_K;
using Q5 = quant::BlockQ5_K;
using Q6 = quant::BlockQ6_K;
static_assert(offsetof(Q4, d) == offsetof(Q5, d) && offsetof(Q4, dmin) == offsetof(Q5, dmin) &&
              offsetof(Q4, scales) == offsetof(Q5, scales));

inline int clamp(int v, int lo, int hi) { return std::max(lo, std::min(hi, v)); }

// 2-bit codes of 4 sub-rows of 32 into one byte each (Q2_K qs, Q3_K low bits).
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQKK; j += 128)
    for (int l = 0; l < 32; ++l)
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

// ---- Q2_K: 16 groups of 16, 4-bit scale and min per group, codes 0..3.

// Requantises with the stored (fp16) d, dmin and 4-bit scales/mins, then packs.
void q2k_finish(const float* x, uint8_t* y, uint8_t* L) {
  const float d = fp16_to_f32(load_u16(y + offsetof(Q2, d))), dmin = fp16_to_f32(load_u16(y + offsetof(Q2, dmin)));
  const uint8_t* sc = y + offsetof(Q2, scales);
  for (int j = 0; j < 16; ++j) {
    const float dj = d * (sc[j] & 0xf);
    if (!dj) continue;
    const float mj = dmin * (sc[j] >> 4);
    for (int ii = 0; ii < 16; ++ii) L[16 * j + ii] = static_cast<uint8_t>(clamp(nearest_int((x[16 * j + ii] + mj) / dj), 0, 3));
  }
  pack_2bit(L, y + offsetof(Q2, qs));
}

void q2k_ref(const float* x, uint8_t* y) {
  uint8_t L[kQKK], aux[16];
  float w[16], mins[16], scales[16];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 16; ++j) {
    for (int l = 0; l < 16; ++l) w[l] = std::fabs(x[16 * j + l]);
    scales[j] = make_qkx2_quants(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], aux, -0.5f, 0.1f, 15, true);
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  uint8_t* sc = y + offsetof(Q2, scales);
  for (int j = 0; j < 16; ++j) sc[j] = 0;
  if (max_scale > 0) {
    const float iscale = 15.f / max_scale;
    for (int j = 0; j < 16; ++j) sc[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
    put_u16(y + offsetof(Q2, d), fp32_to_fp16(max_scale / 15.f));
  } else {
    put_u16(y + offsetof(Q2, d), fp32_to_fp16(0.f));
  }
  if (max_min > 0) {
    const float iscale = 15.f / max_min;
    for (int j = 0; j < 16; ++j) sc[j] = static_cast<uint8_t>(sc[j] | (nearest_int(iscale * mins[j]) << 4));
    put_u16(y + offsetof(Q2, dmin), fp32_to_fp16(max_min / 15.f));
  } else {
    put_u16(y + offsetof(Q2, dmin), fp32_to_fp16(0.f));
  }
  q2k_finish(x, y, L);
}

void q2k_impl(const float* x, uint8_t* y, const float* qw) {
  uint8_t L[kQKK], aux[16], Ls[16], Lm[16];
  float w[16], mins[16], scales[16], sw[16];
  float sumx2 = 0;
  for (int j = 0; j < kQKK; ++j) sumx2 += x[j] * x[j];
  const float sigma2 = sumx2 / kQKK;
  for (int j = 0; j < 16; ++j) {
    sw[j] = 0;
    for (int l = 0; l < 16; ++l) w[l] = qw[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
    for (int l = 0; l < 16; ++l) sw[j] += w[l];
    scales[j] = make_qkx3_quants(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], aux, -0.9f, 0.05f, 36, false);
  }
  const float dm = make_qp_quants(16, 15, scales, Ls, sw);
  const float mm = make_qp_quants(16, 15, mins, Lm, sw);
  put_u16(y + offsetof(Q2, d), fp32_to_fp16(dm));
  put_u16(y + offsetof(Q2, dmin), fp32_to_fp16(mm));
  for (int j = 0; j < 16; ++j) y[offsetof(Q2, scales) + j] = static_cast<uint8_t>(Ls[j] | (Lm[j] << 4));
  q2k_finish(x, y, L);
}

// ---- Q3_K: 16 groups of 16, signed 6-bit scales, codes -4..3.

void q3k_put_scale(uint8_t* sc, int j, int l) {  // l in [0, 64)
  if (j < 8) sc[j] = static_cast<uint8_t>(l & 0xf);
  else sc[j - 8] = static_cast<uint8_t>(sc[j - 8] | ((l & 0xf) << 4));
  sc[j % 4 + 8] = static_cast<uint8_t>(sc[j % 4 + 8] | ((l >> 4) << (2 * (j / 4))));
}

int q3k_get_scale(const uint8_t* sc, int j) {
  const int lo = j < 8 ? sc[j] & 0xf : sc[j - 8] >> 4;
  return (lo | (((sc[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32;
}

void q3k_finish(const float* x, uint8_t* y, int8_t* L) {
  const float d = fp16_to_f32(load_u16(y + offsetof(Q3, d)));
  for (int j = 0; j < 16; ++j) {
    const float dj = d * q3k_get_scale(y + offsetof(Q3, scales), j);
    if (!dj) continue;
    for (int ii = 0; ii < 16; ++ii) L[16 * j + ii] = static_cast<int8_t>(clamp(nearest_int(x[16 * j + ii] / dj), -4, 3) + 4);
  }
  uint8_t* hmask = y + offsetof(Q3, hmask);
  std::memset(hmask, 0, 32);
  uint8_t low[kQKK];
  for (int j = 0; j < kQKK; ++j) {
    low[j] = static_cast<uint8_t>(L[j] & 3);
    if (L[j] > 3) hmask[j % 32] = static_cast<uint8_t>(hmask[j % 32] | (1 << (j / 32)));
  }
  pack_2bit(low, y + offsetof(Q3, qs));
}

void q3k_ref(const float* x, uint8_t* y) {
  int8_t L[kQKK];
  float scales[16];
  float max_scale = 0, amax = 0;
  for (int j = 0; j < 16; ++j) {
    scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j, true);
    if (std::fabs(scales[j]) > amax) {
      amax = std::fabs(scales[j]);
      max_scale = scales[j];
    }
  }
  uint8_t* sc = y + offsetof(Q3, scales);
  std::memset(sc, 0, 12);
  if (max_scale) {
    const float iscale = -32.f / max_scale;
    for (int j = 0; j < 16; ++j) q3k_put_scale(sc, j, clamp(static_cast<int8_t>(nearest_int(iscale * scales[j])), -32, 31) + 32);
    put_u16(y + offsetof(Q3, d), fp32_to_fp16(1 / iscale));
  } else {
    put_u16(y + offsetof(Q3, d), fp32_to_fp16(0.f));
  }
  q3k_finish(x, y, L);
}

void q3k_impl(const float* x, uint8_t* y, const float* qw) {
  int8_t L[kQKK], Ls[16];
  float scales[16], w[16], sw[16];
  float sumx2 = 0;
  for (int j = 0; j < kQKK; ++j) sumx2 += x[j] * x[j];
  const float sigma2 = 2 * sumx2 / kQKK;
  for (int j = 0; j < 16; ++j) {
    for (int l = 0; l < 16; ++l) w[l] = qw[16 * j + l] * std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
    float sumw = 0;
    for (int l = 0; l < 16; ++l) sumw += w[l];
    sw[j] = sumw;
    scales[j] = make_qx_quants(16, 4, x + 16 * j, L + 16 * j, 1, w);
  }
  uint8_t* sc = y + offsetof(Q3, scales);
  std::memset(sc, 0, 12);
  const float d_block = make_qx_quants(16, 32, scales, Ls, 1, sw);
  for (int j = 0; j < 16; ++j) q3k_put_scale(sc, j, Ls[j]);
  put_u16(y + offsetof(Q3, d), fp32_to_fp16(d_block));
  q3k_finish(x, y, L);
}

// ---- Q4_K / Q5_K: 8 groups of 32, 6-bit scale and min per group, codes 0..nmax.

void k4_put_scales(uint8_t* sc, const uint8_t* ls, const uint8_t* lm) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      sc[j] = ls[j];
      sc[j + 4] = lm[j];
    } else {
      sc[j + 4] = static_cast<uint8_t>((ls[j] & 0xf) | ((lm[j] & 0xf) << 4));
      sc[j - 4] = static_cast<uint8_t>(sc[j - 4] | ((ls[j] >> 4) << 6));
      sc[j] = static_cast<uint8_t>(sc[j] | ((lm[j] >> 4) << 6));
    }
  }
}

// Requantises the 256 codes with the stored fp16 d, dmin and 6-bit scales and mins.
void k4_requantize(const float* x, const uint8_t* y, int nmax, uint8_t* L) {
  const float d = fp16_to_f32(load_u16(y + offsetof(Q4, d))), dmin = fp16_to_f32(load_u16(y + offsetof(Q4, dmin)));
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    quant::scale_min_k4(j, y + offsetof(Q4, scales), &sc, &m);
    const float dj = d * sc;
    if (!dj) continue;
    const float mj = dmin * m;
    for (int ii = 0; ii < 32; ++ii) L[32 * j + ii] = static_cast<uint8_t>(clamp(nearest_int((x[32 * j + ii] + mj) / dj), 0, nmax));
  }
}

// Scales, mins and codes of Q4_K (nmax 15) or Q5_K (nmax 31) into y's d, dmin, scales; L gets
// the final codes.
void k45_quantize(const float* x, uint8_t* y, const float* qw, int nmax, uint8_t* L) {
  uint8_t aux[32], ls[8], lm[8];
  float w[32], mins[8], scales[8];
  if (!qw) {
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
      float sum_x2 = 0;
      for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
      const float av_x = std::sqrt(sum_x2 / 32);
      for (int l = 0; l < 32; ++l) w[l] = av_x + std::fabs(x[32 * j + l]);
      scales[j] = nmax == 15
                      ? make_qkx2_quants(32, 15, x + 32 * j, w, L + 32 * j, &mins[j], aux, -1.f, 0.1f, 20, false)
                      : make_qkx2_quants(32, 31, x + 32 * j, w, L + 32 * j, &mins[j], aux, -0.5f, 0.1f, 15, false);
      max_scale = std::max(max_scale, scales[j]);
      max_min = std::max(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < 8; ++j) {
      ls[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
      lm[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
    }
    put_u16(y + offsetof(Q4, d), fp32_to_fp16(max_scale / 63.f));
    put_u16(y + offsetof(Q4, dmin), fp32_to_fp16(max_min / 63.f));
  } else {
    float sw[8];
    float sum_x2 = 0;
    for (int l = 0; l < kQKK; ++l) sum_x2 += x[l] * x[l];
    const float sigma2 = 2 * sum_x2 / kQKK;
    for (int j = 0; j < 8; ++j) {
      for (int l = 0; l < 32; ++l) w[l] = qw[32 * j + l] * std::sqrt(sigma2 + x[32 * j + l] * x[32 * j + l]);
      float sumw = 0;
      for (int l = 0; l < 32; ++l) sumw += w[l];
      sw[j] = sumw;
      scales[j] = make_qkx3_quants(32, nmax, x + 32 * j, w, L + 32 * j, &mins[j], aux, -0.9f, 0.05f, 36, false);
    }
    const float d_block = make_qp_quants(8, 63, scales, ls, sw);
    const float m_block = make_qp_quants(8, 63, mins, lm, sw);
    put_u16(y + offsetof(Q4, d), fp32_to_fp16(d_block));
    put_u16(y + offsetof(Q4, dmin), fp32_to_fp16(m_block));
  }
  k4_put_scales(y + offsetof(Q4, scales), ls, lm);
  k4_requantize(x, y, nmax, L);
}

// ---- Q6_K: 16 groups of 16, int8 scales, codes -32..31.

void q6k(const float* x, uint8_t* y, const float* qw) {
  int8_t L[kQKK];
  float scales[16];
  float max_scale = 0, max_abs_scale = 0;
  for (int ib = 0; ib < 16; ++ib) {
    scales[ib] = make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib, 1, qw ? qw + 16 * ib : nullptr);
    if (std::fabs(scales[ib]) > max_abs_scale) {
      max_abs_scale = std::fabs(scales[ib]);
      max_scale = scales[ib];
    }
  }
  if (max_abs_scale < kGroupMaxEps) {
    std::memset(y, 0, sizeof(Q6));
    return;
  }
  const float iscale = -128.f / max_scale;
  put_u16(y + offsetof(Q6, d), fp32_to_fp16(1 / iscale));
  int8_t* sc = reinterpret_cast<int8_t*>(y + offsetof(Q6, scales));
  for (int ib = 0; ib < 16; ++ib) sc[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
  const float d = fp16_to_f32(load_u16(y + offsetof(Q6, d)));
  for (int j = 0; j < 16; ++j) {
    const float dj = d * sc[j];
    if (!dj) continue;
    for (int ii = 0; ii < 16; ++ii) L[16 * j + ii] = static_cast<int8_t>(clamp(nearest_int(x[16 * j + ii] / dj), -32, 31) + 32);
  }
  uint8_t* ql = y + offsetof(Q6, ql);
  uint8_t* qh = y + offsetof(Q6, qh);
  for (int j = 0; j < kQKK; j += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; ++l) {
      const int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
      ql[l] = static_cast<uint8_t>((q1 & 0xf) | ((q3 & 0xf) << 4));
      ql[l + 32] = static_cast<uint8_t>((q2 & 0xf) | ((q4 & 0xf) << 4));
      qh[l] = static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
    }
  }
}
}  // namespace

void quantize_q2_k(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK, dst += sizeof(Q2)) {
    if (imp) q2k_impl(x, dst, imp + b * kQKK);
    else q2k_ref(x, dst);
  }
}

void quantize_q3_k(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK, dst += sizeof(Q3)) {
    if (imp) q3k_impl(x, dst, imp + b * kQKK);
    else q3k_ref(x, dst);
  }
}

void quantize_q4_k(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK, dst += sizeof(Q4)) {
    uint8_t L[kQKK];
    k45_quantize(x, dst, imp ? imp + b * kQKK : nullptr, 15, L);
    for (int j = 0; j < kQKK; j += 64)
      for (int l = 0; l < 32; ++l) dst[offsetof(Q4, qs) + j / 2 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
  }
}

void quantize_q5_k(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK, dst += sizeof(Q5)) {
    uint8_t L[kQKK];
    k45_quantize(x, dst, imp ? imp + b * kQKK : nullptr, 31, L);
    uint8_t* qh = dst + offsetof(Q5, qh);
    uint8_t* ql = dst + offsetof(Q5, qs);
    std::memset(qh, 0, 32);
    for (int k = 0; k < 4; ++k, ql += 32) {  // 64 elements a step: bits 2k, 2k+1 of qh
      for (int j = 0; j < 32; ++j) {
        int l1 = L[64 * k + j], l2 = L[64 * k + j + 32];
        if (l1 > 15) {
          l1 -= 16;
          qh[j] = static_cast<uint8_t>(qh[j] | (1 << (2 * k)));
        }
        if (l2 > 15) {
          l2 -= 16;
          qh[j] = static_cast<uint8_t>(qh[j] | (2 << (2 * k)));
        }
        ql[j] = static_cast<uint8_t>(l1 | (l2 << 4));
      }
    }
  }
}

void quantize_q6_k(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK, dst += sizeof(Q6)) q6k(x, dst, imp ? imp + b * kQKK : nullptr);
}

}  // namespace dseek::qz
