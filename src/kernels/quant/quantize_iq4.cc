// IQ4 quantizers: the non-linear 16-level grid kvalues_iq4nl with a scale per 32 elements
// (ggml's quantize_row_iq4_nl_impl), used by IQ4_NL (one 32-element block, fp16 scale) and
// IQ4_XS (256-element super-block: fp16 d, 6-bit signed block scales; BlockIQ4_XS: scales_h
// holds the 2 high bits of block scale ib at bit 2*ib, scales_l the low nibbles of blocks 2k
// and 2k+1, qs block ib's element j in the low nibble of qs[16*ib + j], j+16 in the high one).
#include <algorithm>
#include <cmath>

#include "kernels/quant/quantize_helpers.h"

DSEEK_QZ_NO_CONTRACT

namespace dseek::qz {

namespace {
// kMu[n + 128] = 1 + #{k in 1..14 : kvalues_iq4nl[k] <= n} for the integers n in [-128, 114].
struct MuTable {
  uint8_t mu[243];
  constexpr MuTable() : mu() {
    const int8_t* v = quant::kvalues_iq4nl;
    for (int n = -128; n <= 114; ++n) {
      int c = 1;
      for (int k = 1; k < 15; ++k) c += v[k] <= n;
      mu[n + 128] = static_cast<uint8_t>(c);
    }
  }
};
constexpr MuTable kMu;
struct Levels {
  float v[16];
  constexpr Levels() : v() {
    for (int k = 0; k < 16; ++k) v[k] = quant::kvalues_iq4nl[k];
  }
};
constexpr Levels kLevels;
}  // namespace

// ggml's binary search ends on the bracket v[mu-1] <= x < v[mu] (mu in 1..15; x <= v[0] and
// x >= v[15] give 0 and 15 through the same final comparison), then picks the nearer end in
// float arithmetic. The levels are integers, so mu depends only on floor(x): a table lookup.
// (x + 128 may round up to the next integer n when x is within 2^-17 below it; if n is a level
// the bracket moves up by one, and the nearer end is still n's index either way.)
int best_index_iq4nl(float x) {
  const float xc = std::min(std::max(x, -128.f), 114.f);
  const int mu = kMu.mu[static_cast<int>(xc + 128.f)];
  return x - kLevels.v[mu - 1] < kLevels.v[mu] - x ? mu - 1 : mu;
}

namespace {
// Weighted fit of one 32-element block: the scale d minimising sum w (x - d*v[L])^2 over a
// search of 2*ntry+1 inverse scales around -v[0]/max (ggml's loop). Returns 0 for a block
// below kGroupMaxEps (L untouched).
float fit_block(const float* xb, const float* w, int ntry, uint8_t* L) {
  const int8_t* values = quant::kvalues_iq4nl;
  float amax = 0, max = 0;
  for (int j = 0; j < kQK; ++j) {
    const float ax = std::fabs(xb[j]);
    if (ax > amax) {
      amax = ax;
      max = xb[j];
    }
  }
  if (amax < kGroupMaxEps) return 0;
  float d = ntry > 0 ? -max / values[0] : max / values[0];
  float id = 1 / d;
  float sumqx = 0, sumq2 = 0;
  for (int j = 0; j < kQK; ++j) {
    const int l = best_index_iq4nl(id * xb[j]);
    L[j] = static_cast<uint8_t>(l);
    const float q = values[l];
    sumqx += w[j] * q * xb[j];
    sumq2 += w[j] * q * q;
  }
  d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
  float best = d * sumqx;
  for (int itry = -ntry; itry <= ntry; ++itry) {
    id = (itry + values[0]) / max;
    sumqx = sumq2 = 0;
    for (int j = 0; j < kQK; ++j) {
      const float q = values[best_index_iq4nl(id * xb[j])];
      sumqx += w[j] * q * xb[j];
      sumq2 += w[j] * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}
}  // namespace

void quantize_iq4_superblock(int super_size, const float* x, const float* qw, int ntry,
                             uint16_t* d16, uint8_t* q4, uint16_t* scales_h, uint8_t* scales_l) {
  float sigma2 = 0;
  for (int j = 0; j < super_size; ++j) sigma2 += x[j] * x[j];
  sigma2 *= 2.f / super_size;

  const int nblocks = super_size / kQK;
  uint8_t L[kQKK] = {};
  float scales[kQKK / kQK];
  float w[kQK];
  float max_scale = 0, amax_scale = 0;
  for (int ib = 0; ib < nblocks; ++ib) {
    const float* xb = x + ib * kQK;
    if (qw) {
      for (int j = 0; j < kQK; ++j) w[j] = qw[ib * kQK + j] * std::sqrt(sigma2 + xb[j] * xb[j]);
    } else {
      for (int j = 0; j < kQK; ++j) w[j] = xb[j] * xb[j];
    }
    scales[ib] = fit_block(xb, w, ntry, L + ib * kQK);
    const float abs_d = std::fabs(scales[ib]);
    if (abs_d > amax_scale) {
      amax_scale = abs_d;
      max_scale = scales[ib];
    }
  }

  if (nblocks > 1) {
    // Block scales as 6-bit multiples of d = -max_scale/32, codes requantised with them.
    const float d = -max_scale / 32;
    *d16 = fp32_to_fp16(d);
    const float id = d ? 1 / d : 0.f;
    *scales_h = 0;
    for (int ib = 0; ib < nblocks; ++ib) {
      int l = nearest_int(id * scales[ib]);
      l = l < -32 ? -32 : l > 31 ? 31 : l;
      const float dl = d * l;
      const float idl = dl ? 1 / dl : 0.f;
      for (int j = 0; j < kQK; ++j) L[ib * kQK + j] = static_cast<uint8_t>(best_index_iq4nl(idl * x[ib * kQK + j]));
      l += 32;
      const uint8_t lo = l & 0xf, hi = static_cast<uint8_t>(l >> 4);
      if (ib % 2 == 0) scales_l[ib / 2] = lo;
      else scales_l[ib / 2] |= static_cast<uint8_t>(lo << 4);
      *scales_h = static_cast<uint16_t>(*scales_h | (hi << 2 * (ib % 8)));
    }
  } else {
    *d16 = fp32_to_fp16(scales[0]);
    if (ntry > 0) {
      const float id = scales[0] ? 1 / scales[0] : 0;
      for (int j = 0; j < super_size; ++j) L[j] = static_cast<uint8_t>(best_index_iq4nl(id * x[j]));
    }
  }

  for (int i = 0; i < super_size / kQK; ++i)
    for (int j = 0; j < 16; ++j)
      q4[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
}

void quantize_iq4_xs(const float* x, uint8_t* dst, int64_t n, const float* imp) {
  using B = quant::BlockIQ4_XS;
  for (int64_t b = 0; b < n / kQKK; ++b, x += kQKK, dst += sizeof(B)) {
    uint16_t d16, sh;
    quantize_iq4_superblock(kQKK, x, imp ? imp + b * kQKK : nullptr, 7, &d16, dst + offsetof(B, qs), &sh,
                            dst + offsetof(B, scales_l));
    put_u16(dst + offsetof(B, d), d16);
    put_u16(dst + offsetof(B, scales_h), sh);
  }
}

}  // namespace dseek::qz
