// SIMD official indexer scores over the FP4 key store (fp4_index.h), run-time dispatched.
//
// Keys in the vector lanes: a group of 16 keys' nibbles are looked up (in-lane vpshufb) into
// unsigned bytes 2 x e2m1 + 12 (0 .. 24) once, then for each head every 4 dims are one
// vpdpbusd (AVX-512 VNNI) or vpmaddubsw + vpmaddwd (AVX-512BW, AVX2, SSSE3) of the keys' bytes
// with the head's 4 code bytes broadcast: lane l accumulates key l's block dot product exactly
// in int32 (|sum| <= 32 x 24 x 12; no int16 pair can saturate: 2 x 24 x 12 < 2^15). The +12
// offset is taken back by starting each block's sum at -12 x (the head's block code sum). Per
// block one int -> float conversion and the two scales; per head the bf16 ReLU-weighted sum —
// the same operations in the same order as fp4_index_scores_ref, so the same floats. Heads go
// 8 (AVX-512) or 4 at a time, so that each key vector loaded feeds that many independent sums.
// Other targets run fp4_index_scores_ref.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL  // the VNNI target; detected at run time like the others
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/fp4_index_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/aligned_allocator.h"
#include "hwy/highway.h"
#include "kernels/fp4_index.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/error.h"

#undef DSEEK_FP4_SIMD  // per target: this file is included once for each
#if HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_SSE4 || \
    HWY_TARGET == HWY_SSSE3
#include <immintrin.h>
#define DSEEK_FP4_SIMD 1
#else
#define DSEEK_FP4_SIMD 0
#endif

HWY_BEFORE_NAMESPACE();
#if HWY_TARGET == HWY_AVX3_DL
#pragma GCC target("avx512vnni")  // Highway's AVX3_DL names only the VEX avxvnni
#endif
namespace dseek {
namespace HWY_NAMESPACE {

#if DSEEK_FP4_SIMD
namespace hn = hwy::HWY_NAMESPACE;
using DI = hn::CappedTag<int32_t, kFp4Group>;  // lanes = keys: 16, 8 or 4 of a group
using VI = hn::Vec<DI>;

// acc + (4 unsigned key bytes . 4 signed code bytes) in each int32 lane.
HWY_INLINE VI Dot4(VI acc, VI k, int32_t q4) {
#if HWY_TARGET == HWY_AVX3_DL
  return VI{_mm512_dpbusd_epi32(acc.raw, k.raw, _mm512_set1_epi32(q4))};
#elif HWY_TARGET == HWY_AVX3
  const __m512i p = _mm512_maddubs_epi16(k.raw, _mm512_set1_epi32(q4));
  return VI{_mm512_add_epi32(acc.raw, _mm512_madd_epi16(p, _mm512_set1_epi16(1)))};
#elif HWY_TARGET == HWY_AVX2
  const __m256i p = _mm256_maddubs_epi16(k.raw, _mm256_set1_epi32(q4));
  return VI{_mm256_add_epi32(acc.raw, _mm256_madd_epi16(p, _mm256_set1_epi16(1)))};
#else
  const __m128i p = _mm_maddubs_epi16(k.raw, _mm_set1_epi32(q4));
  return VI{_mm_add_epi32(acc.raw, _mm_madd_epi16(p, _mm_set1_epi16(1)))};
#endif
}

// bf16 round to nearest even, kept as fp32 (numeric.h bf16_round for finite values).
template <class DF, class V>
HWY_INLINE V Bf16Round(DF df, V v) {
  const hn::RebindToUnsigned<DF> du;
  auto u = hn::BitCast(du, v);
  u = hn::Add(u, hn::Add(hn::Set(du, 0x7fffu), hn::And(hn::ShiftRight<16>(u), hn::Set(du, 1u))));
  return hn::BitCast(df, hn::And(u, hn::Set(du, 0xffff0000u)));
}

// What one call prepares from the token's q: per head, dims as int32 words of 4 codes, each
// block's starting sum (-12 x its code sum) and s_q / 4.
struct Query {
  const int32_t* q4;    // [heads][dim / 4]
  const int32_t* base;  // [heads][blocks]
  const float* sq;      // [heads][blocks]
  const float* w;       // [heads]
  int64_t nb;
};

// Adds heads h0 .. h0 + kH - 1 of the score of the lanes' keys to `score`. ku: the group's
// looked-up key bytes (quad-step s at ku + s * 64, lanes from `part`), ex: its exponents.
template <int kH>
HWY_INLINE void Heads(const uint8_t* HWY_RESTRICT ku, const uint8_t* HWY_RESTRICT ex, const Query& qy, int64_t h0,
                      hn::Vec<hn::Rebind<float, DI>>& score) {
  const DI di;
  const hn::Rebind<float, DI> df;
  const hn::Rebind<uint8_t, DI> d8;
  const int64_t nb = qy.nb, Q = nb * 8;
  hn::Vec<decltype(df)> f[kH];
  for (int hh = 0; hh < kH; ++hh) f[hh] = hn::Zero(df);
  for (int64_t b = 0; b < nb; ++b) {
    VI acc[kH];
    for (int hh = 0; hh < kH; ++hh) acc[hh] = hn::Set(di, qy.base[(h0 + hh) * nb + b]);
    for (int64_t s = b * 8; s < b * 8 + 8; ++s) {
      const VI k = hn::Load(di, reinterpret_cast<const int32_t*>(ku + s * 64));
      for (int hh = 0; hh < kH; ++hh) acc[hh] = Dot4(acc[hh], k, qy.q4[(h0 + hh) * Q + s]);
    }
    // s_k = 2^(e - 127) from the exponent byte's bits (e in 1 .. 254: a normal float).
    const auto sk = hn::BitCast(df, hn::ShiftLeft<23>(hn::PromoteTo(di, hn::LoadU(d8, ex + b * kFp4Group))));
    for (int hh = 0; hh < kH; ++hh) {
      const auto scale = hn::Mul(sk, hn::Set(df, qy.sq[(h0 + hh) * nb + b]));
      f[hh] = hn::Add(f[hh], hn::Mul(hn::ConvertTo(df, acc[hh]), scale));
    }
  }
  for (int hh = 0; hh < kH; ++hh) {
    const auto r = hn::Max(Bf16Round(df, f[hh]), hn::Zero(df));
    score = hn::Add(score, Bf16Round(df, hn::Mul(hn::Set(df, qy.w[h0 + hh]), r)));
  }
}

void Scores(const Fp4Keys& keys, int64_t j0, int64_t j1, const int8_t* q, const uint8_t* q_exps, int64_t heads,
            const float* w, float* out) {
  const int64_t D = keys.dim(), nb = D / kFp4Block, Q = D / 4;
  // The query: 4 codes a word, the blocks' starting sums and q scales.
  std::vector<int32_t> q4(heads * Q), base(heads * nb);
  std::vector<float> sq(heads * nb);
  std::memcpy(q4.data(), q, static_cast<size_t>(heads * D));
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t b = 0; b < nb; ++b) {
      int32_t sum = 0;
      for (int64_t i = 0; i < kFp4Block; ++i) sum += q[h * D + b * kFp4Block + i];
      base[h * nb + b] = -12 * sum;
      sq[h * nb + b] = std::ldexp(1.0f, q_exps[h * nb + b] - 129);
    }
  const Query qy{q4.data(), base.data(), sq.data(), w, nb};

  const DI di;
  const hn::Rebind<float, DI> df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(di));
  constexpr int kH = HWY_TARGET <= HWY_AVX3 ? 8 : 4;  // independent sums a key vector feeds
  // A group's looked-up key bytes: quad-step s (dims 4s .. 4s + 3) of key l at s * 64 + 4 l.
  auto ku = hwy::AllocateAligned<uint8_t>(static_cast<size_t>(Q * 64));
  const hn::ScalableTag<uint8_t> d8;
  const hn::RepartitionToWide<decltype(d8)> d16;
  const int64_t N8 = static_cast<int64_t>(hn::Lanes(d8));
  // Nibble -> 2 x e2m1 + 12 (bit 3: sign, bits 0-2: 0, 0.5, 1, 1.5, 2, 3, 4, 6).
  alignas(16) static constexpr uint8_t kLut[16] = {12, 13, 14, 15, 16, 18, 20, 24, 12, 11, 10, 9, 8, 6, 4, 0};
  const auto lut = hn::LoadDup128(d8, kLut);
  const auto lo4 = hn::Set(d8, uint8_t{0x0f});
  alignas(64) float tmp[kFp4Group];
  for (int64_t g = j0 / kFp4Group; g * kFp4Group < j1; ++g) {
    const uint8_t* rec = keys.group(g);
    for (int64_t step = 0; step < nb * 4; ++step)  // 64 code bytes -> quad-steps 2 step, 2 step + 1
      for (int64_t i = 0; i < 64; i += N8) {
        const auto raw = hn::LoadU(d8, rec + step * 64 + i);
        const auto hi = hn::BitCast(d8, hn::ShiftRight<4>(hn::BitCast(d16, raw)));
        hn::Store(hn::TableLookupBytes(lut, hn::And(raw, lo4)), d8, ku.get() + 2 * step * 64 + i);
        hn::Store(hn::TableLookupBytes(lut, hn::And(hi, lo4)), d8, ku.get() + (2 * step + 1) * 64 + i);
      }
    const uint8_t* ex = rec + D * 8;
    for (int64_t part = 0; part < kFp4Group; part += N) {
      auto score = hn::Zero(df);
      int64_t h = 0;
      for (; h + kH <= heads; h += kH) Heads<kH>(ku.get() + part * 4, ex + part, qy, h, score);
      for (; h < heads; ++h) Heads<1>(ku.get() + part * 4, ex + part, qy, h, score);
      hn::Store(Bf16Round(df, score), df, tmp + part);
    }
    const int64_t a = std::max(j0, g * kFp4Group), e = std::min(j1, (g + 1) * kFp4Group);
    std::memcpy(out + (a - j0), tmp + (a - g * kFp4Group), static_cast<size_t>(e - a) * sizeof(float));
  }
}
#else
void Scores(const Fp4Keys& keys, int64_t j0, int64_t j1, const int8_t* q, const uint8_t* q_exps, int64_t heads,
            const float* w, float* out) {
  fp4_index_scores_ref(keys, j0, j1, q, q_exps, heads, w, out);
}
#endif

}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dseek {
HWY_EXPORT(Scores);
void fp4_index_scores(const Fp4Keys& keys, int64_t j0, int64_t j1, const int8_t* q, const uint8_t* q_exps,
                      int64_t heads, const float* w, float* out) {
  if (j0 < 0 || j0 > j1 || j1 > keys.size() || heads < 1)
    throw Error("fp4_index_scores: keys [" + std::to_string(j0) + ", " + std::to_string(j1) + ") of " +
                std::to_string(keys.size()) + ", " + std::to_string(heads) + " heads");
  if (j0 == j1) return;
  HWY_DYNAMIC_DISPATCH(Scores)(keys, j0, j1, q, q_exps, heads, w, out);
}
}  // namespace dseek
#endif
