// The AVX-512BW kernels of the int8 numerics mode (targets AVX3, AVX3_DL): included by
// int8_gemm_hwy.cc inside its per-target namespace, once per such target (no include guard).
// Defines RowDot<kType, TT>: one weight row times TT tokens, int8_dot_ref's floats.

// acc + pairwise products of int16 lanes (vpmaddwd + add; VNNI: one vpdpwssd).
HWY_INLINE __m512i MaddAcc(__m512i acc, __m512i p, __m512i s) {
#if HWY_TARGET == HWY_AVX3_DL
  return _mm512_dpwssd_epi32(acc, p, s);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(p, s));
#endif
}

// A block's integer lanes for one token (int8_act.h's a and m; m is zero where the type has
// no minimum, and Q6_K's offset is already in a).
struct BlockInts {
  __m512i a;
  __m256i m;
};

// Sixteen int16 scales as the two sources of kQuadScale.
struct ScaleHalves {
  __m512i lo, hi;
};
HWY_INLINE ScaleHalves Halves(__m256i s) {
  return {_mm512_broadcast_i32x4(_mm256_castsi256_si128(s)), _mm512_broadcast_i32x4(_mm256_extracti128_si256(s, 1))};
}
HWY_INLINE __m512i QuadScales(const ScaleHalves& h, int p) {
  return _mm512_shuffle_epi8(p < 2 ? h.lo : h.hi, _mm512_load_si512(kQuadScale.v[p]));
}

// vpermw indices of the same spread from 16 words: word w of step p takes scale 4 p + w / 8.
struct QuadWord {
  alignas(64) int16_t v[4][32];
  constexpr QuadWord() : v{} {
    for (int p = 0; p < 4; ++p)
      for (int w = 0; w < 32; ++w) v[p][w] = static_cast<int16_t>(4 * p + w / 8);
  }
};
inline constexpr QuadWord kQuadWord{};

// Each block kernel: one weight block, TT tokens' activation blocks; out[t] its BlockInts.
template <int TT>
HWY_INLINE void Q4KBlock(const uint8_t* b, const Q8Block* const* x, BlockInts* out) {
  const uint32_t a = load_u32(b + 4), c = load_u32(b + 8), e = load_u32(b + 12);
  const uint64_t sc = (a & 0x3f3f3f3fu) | uint64_t((e & 0x0f0f0f0fu) | ((a >> 6) & 0x03030303u) << 4) << 32;
  const uint64_t mn = (c & 0x3f3f3f3fu) | uint64_t(((e >> 4) & 0x0f0f0f0fu) | ((c >> 6) & 0x03030303u) << 4) << 32;
  // The 8 scales as int16 in every 128-bit lane; step p takes scale 2 p in its low 256 bits,
  // 2 p + 1 in the high (an in-lane vpshufb, cheaper than a cross-lane permute).
  const __m512i s16 = _mm512_broadcast_i32x4(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(sc))));
  const __m128i m8 = _mm_cvtsi64_si128(static_cast<int64_t>(mn));
  const __m256i mdup = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));  // m_j at lanes 2j, 2j+1
  const __m512i shift = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  __m512i acc[TT][2];  // even and odd steps (two short chains)
  for (int t = 0; t < TT; ++t) acc[t][0] = acc[t][1] = _mm512_setzero_si512();
  for (int p = 0; p < 4; ++p) {
    const __m512i s = _mm512_shuffle_epi8(s16, _mm512_load_si512(kPairScale.v[p]));
    __m512i q = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * p)));
    q = _mm512_and_si512(_mm512_srlv_epi16(q, shift), low4);
    for (int t = 0; t < TT; ++t)
      acc[t][p % 2] = MaddAcc(acc[t][p % 2], _mm512_maddubs_epi16(q, _mm512_load_si512(x[t]->q + 64 * p)), s);
  }
  for (int t = 0; t < TT; ++t) {
    const __m256i m = _mm256_madd_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(x[t]->bsum)), mdup);
    out[t] = {_mm512_add_epi32(acc[t][0], acc[t][1]), m};
  }
}

// Q2_K and Q6_K: 64 weights a step (4 sub-blocks of 16), codes by step.
template <int TT>
HWY_INLINE void Q2KBlock(const uint8_t* b, const Q8Block* const* x, BlockInts* out) {
  const __m128i sm = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  // The 16 scales as words 0-15 (vpermw spreads them: no per-block broadcasts).
  const __m512i s16 = _mm512_castsi256_si512(_mm256_cvtepu8_epi16(_mm_and_si128(sm, _mm_set1_epi8(0x0F))));
  const __m256i m16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), _mm_set1_epi8(0x0F)));
  const __m512i three = _mm512_set1_epi8(3);
  __m512i acc[TT][2];  // even and odd steps (two short chains)
  for (int t = 0; t < TT; ++t) acc[t][0] = acc[t][1] = _mm512_setzero_si512();
  for (int p = 0; p < 4; ++p) {  // p = 2 h + kk / 2: groups kk, kk + 1 of half h
    const int h = p / 2, kk = 2 * (p % 2);
    const __m512i shift = _mm512_inserti64x4(_mm512_set1_epi16(static_cast<int16_t>(2 * kk)),
                                             _mm256_set1_epi16(static_cast<int16_t>(2 * kk + 2)), 1);
    const __m512i s = _mm512_permutexvar_epi16(_mm512_load_si512(kQuadWord.v[p]), s16);
    __m512i q = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 16 + 32 * h)));
    q = _mm512_and_si512(_mm512_srlv_epi16(q, shift), three);
    for (int t = 0; t < TT; ++t)
      acc[t][p % 2] = MaddAcc(acc[t][p % 2], _mm512_maddubs_epi16(q, _mm512_load_si512(x[t]->q + 64 * p)), s);
  }
  for (int t = 0; t < TT; ++t) {
    const __m256i m = _mm256_madd_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(x[t]->bsum)), m16);
    out[t] = {_mm512_add_epi32(acc[t][0], acc[t][1]), m};
  }
}

template <int TT>
HWY_INLINE void Q6KBlock(const uint8_t* b, const Q8Block* const* x, BlockInts* out) {
  const __m256i sc = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + off::kQ6K_scales)));
  const ScaleHalves s16 = Halves(sc);
  const __m512i low4 = _mm512_set1_epi8(0x0F), top2 = _mm512_set1_epi8(0x30);
  // qh bits 2k, 2k+1 to bits 4, 5: k = 0, 1 shift left by 4, 2; k = 2, 3 right by 0, 2.
  const __m512i shl = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
  const __m512i shr = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
  __m512i acc[TT][2];  // even and odd steps (two short chains)
  for (int t = 0; t < TT; ++t) acc[t][0] = acc[t][1] = _mm512_setzero_si512();
  for (int h = 0; h < 2; ++h) {
    const __m512i ql = _mm512_loadu_si512(b + 64 * h);
    const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + off::kQ6K_qh + 32 * h)));
    const __m512i q01 = _mm512_or_si512(_mm512_and_si512(ql, low4), _mm512_and_si512(_mm512_sllv_epi16(qh, shl), top2));
    const __m512i q23 = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(ql, 4), low4),
                                        _mm512_and_si512(_mm512_srlv_epi16(qh, shr), top2));
    const __m512i s01 = QuadScales(s16, 2 * h), s23 = QuadScales(s16, 2 * h + 1);
    for (int t = 0; t < TT; ++t) {
      acc[t][0] = MaddAcc(acc[t][0], _mm512_maddubs_epi16(q01, _mm512_load_si512(x[t]->q + 128 * h)), s01);
      acc[t][1] = MaddAcc(acc[t][1], _mm512_maddubs_epi16(q23, _mm512_load_si512(x[t]->q + 128 * h + 64)), s23);
    }
  }
  for (int t = 0; t < TT; ++t) {
    const __m256i c = _mm256_madd_epi16(_mm256_load_si256(reinterpret_cast<const __m256i*>(x[t]->bsum)), sc);
    const __m512i c32 = _mm512_castsi256_si512(_mm256_slli_epi32(c, 5));  // lanes 8-15: undefined
    const __m512i a = _mm512_add_epi32(acc[t][0], acc[t][1]);
    out[t] = {_mm512_mask_sub_epi32(a, 0x00FF, a, c32), _mm256_setzero_si256()};
  }
}

#include "kernels/quant/int8_iq2_avx512-inl.h"

template <DType kType, int TT>
HWY_INLINE void BlockDot(const uint8_t* b, const Q8Block* const* x, BlockInts* out, const Iq2Grid& grid) {
  if constexpr (kType == DType::Q4_K) Q4KBlock<TT>(b, x, out);
  else if constexpr (kType == DType::Q2_K) Q2KBlock<TT>(b, x, out);
  else if constexpr (kType == DType::Q6_K) Q6KBlock<TT>(b, x, out);
  else Iq2XxsBlock<TT>(b, x, out, grid);
}

HWY_INLINE float Fold16(__m512 v) {
  return Fold8(_mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)));
}

// One weight row with TT tokens: y[t * ys] = int8_dot_ref(row, x[t]).
template <DType kType, int TT>
HWY_NOINLINE void RowDot(const uint8_t* row, int64_t nb, const Q8Block* const* x, float* y, int64_t ys) {
  constexpr int64_t BB = kBlockBytes<kType>;
  constexpr bool kMin = kType == DType::Q4_K || kType == DType::Q2_K;
  __m512 F[TT];
  __m256 G[TT];
  for (int t = 0; t < TT; ++t) {
    F[t] = _mm512_setzero_ps();
    G[t] = _mm256_setzero_ps();
  }
  const Q8Block* xb[TT];
  Iq2Grid grid;
  if constexpr (kType == DType::IQ2_XXS) grid = LoadIq2Grid();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = row + b * BB;
    for (int64_t l = 0; l < BB; l += 64) hwy::Prefetch(blk + kAhead + l);
    BlockInts in[TT];
    for (int t = 0; t < TT; ++t) xb[t] = x[t] + b;
    BlockDot<kType, TT>(blk, xb, in, grid);
    if constexpr (kMin) {
      // d, dmin: adjacent fp16 (Q2_K bytes 80, 82; Q4_K 0, 2), converted and scaled together.
      const __m128 dd = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(load_u32(blk + (kType == DType::Q2_K ? 80 : 0)))));
      for (int t = 0; t < TT; ++t) {
        const __m128 s = _mm_mul_ps(dd, _mm_set1_ps(xb[t]->d));
        F[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(in[t].a), _mm512_broadcastss_ps(s), F[t]);
        G[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(in[t].m), _mm256_broadcastss_ps(_mm_movehdup_ps(s)), G[t]);
      }
    } else {
      float sa, sm;
      BlockScales<kType>(blk, &sa, &sm);
      for (int t = 0; t < TT; ++t) F[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(in[t].a), _mm512_set1_ps(sa * xb[t]->d), F[t]);
    }
  }
  for (int t = 0; t < TT; ++t) y[t * ys] = Fold16(F[t]) - Fold8(G[t]);
}
