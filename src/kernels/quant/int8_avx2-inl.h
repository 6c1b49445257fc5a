// The AVX2 kernels of the int8 numerics mode: the AVX-512 kernels' 16 int32 lanes as two
// 256-bit halves (lanes 0-7: bytes 0-31 of each 64-weight step, lanes 8-15: bytes 32-63), so
// the integer lanes and the float steps are int8_dot_ref's, bit for bit. vpmaddubsw then
// vpmaddwd by the spread scales, as there; IQ2_XXS grid points by scalar loads, its signs
// by psignb. Included by int8_gemm_hwy.cc inside its per-target namespace (no include guard).
// Defines RowDot<kType, TT>.

// A block's integer lanes for one token: a as its two halves, m (Q2_K, Q4_K minimums).
struct BlockInts {
  __m256i a0, a1, m;
};

HWY_INLINE __m256i MaddAcc(__m256i acc, __m256i p, __m256i s) { return _mm256_add_epi32(acc, _mm256_madd_epi16(p, s)); }
HWY_INLINE __m256i Load32(const void* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// acc[t][h] += scale-weighted pair sums of codes q[h] and the token's step bytes.
template <int TT>
HWY_INLINE void Step(__m256i (*acc)[2], const Q8Block* const* x, int at, __m256i q0, __m256i q1, __m256i s0,
                     __m256i s1) {
  for (int t = 0; t < TT; ++t) {
    acc[t][0] = MaddAcc(acc[t][0], _mm256_maddubs_epi16(q0, Load32(x[t]->q + at)), s0);
    acc[t][1] = MaddAcc(acc[t][1], _mm256_maddubs_epi16(q1, Load32(x[t]->q + at + 32)), s1);
  }
}

template <int TT>
HWY_INLINE void Q4KBlock(const uint8_t* b, const Q8Block* const* x, BlockInts* out) {
  const uint32_t a = load_u32(b + 4), c = load_u32(b + 8), e = load_u32(b + 12);
  const uint64_t sc = (a & 0x3f3f3f3fu) | uint64_t((e & 0x0f0f0f0fu) | ((a >> 6) & 0x03030303u) << 4) << 32;
  const uint64_t mn = (c & 0x3f3f3f3fu) | uint64_t(((e >> 4) & 0x0f0f0f0fu) | ((c >> 6) & 0x03030303u) << 4) << 32;
  const __m256i s16 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(sc))));
  const __m128i m8 = _mm_cvtsi64_si128(static_cast<int64_t>(mn));
  const __m256i mdup = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  __m256i acc[TT][2];
  for (int t = 0; t < TT; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_si256();
  for (int p = 0; p < 4; ++p) {
    const __m256i v = Load32(b + 16 + 32 * p);
    const __m256i s0 = _mm256_shuffle_epi8(s16, Load32(kPairScale.v[p]));
    const __m256i s1 = _mm256_shuffle_epi8(s16, Load32(kPairScale.v[p] + 32));
    Step<TT>(acc, x, 64 * p, _mm256_and_si256(v, low4), _mm256_and_si256(_mm256_srli_epi16(v, 4), low4), s0, s1);
  }
  for (int t = 0; t < TT; ++t) out[t] = {acc[t][0], acc[t][1], _mm256_madd_epi16(Load32(x[t]->bsum), mdup)};
}

// Sixteen int16 scales: words 0-7 (steps 0, 1) or 8-15 (steps 2, 3) in both 128-bit lanes.
struct ScaleHalves {
  __m256i lo, hi;
};
HWY_INLINE ScaleHalves Halves(__m256i s) {
  return {_mm256_broadcastsi128_si256(_mm256_castsi256_si128(s)), _mm256_broadcastsi128_si256(_mm256_extracti128_si256(s, 1))};
}
HWY_INLINE void QuadScales(const ScaleHalves& h, int p, __m256i* s0, __m256i* s1) {
  const __m256i src = p < 2 ? h.lo : h.hi;
  *s0 = _mm256_shuffle_epi8(src, Load32(kQuadScale.v[p]));
  *s1 = _mm256_shuffle_epi8(src, Load32(kQuadScale.v[p] + 32));
}

template <int TT>
HWY_INLINE void Q2KBlock(const uint8_t* b, const Q8Block* const* x, BlockInts* out) {
  const __m128i sm = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  const ScaleHalves s16 = Halves(_mm256_cvtepu8_epi16(_mm_and_si128(sm, _mm_set1_epi8(0x0F))));
  const __m256i m16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), _mm_set1_epi8(0x0F)));
  const __m256i three = _mm256_set1_epi8(3);
  __m256i acc[TT][2];
  for (int t = 0; t < TT; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_si256();
  for (int p = 0; p < 4; ++p) {  // groups kk, kk + 1 of half h: shifts 2 kk, 2 kk + 2
    const int h = p / 2, kk = 2 * (p % 2);
    const __m256i v = Load32(b + 16 + 32 * h);
    const __m256i q0 = _mm256_and_si256(_mm256_srl_epi16(v, _mm_cvtsi32_si128(2 * kk)), three);
    const __m256i q1 = _mm256_and_si256(_mm256_srl_epi16(v, _mm_cvtsi32_si128(2 * kk + 2)), three);
    __m256i s0, s1;
    QuadScales(s16, p, &s0, &s1);
    Step<TT>(acc, x, 64 * p, q0, q1, s0, s1);
  }
  for (int t = 0; t < TT; ++t) out[t] = {acc[t][0], acc[t][1], _mm256_madd_epi16(Load32(x[t]->bsum), m16)};
}

template <int TT>
HWY_INLINE void Q6KBlock(const uint8_t* b, const Q8Block* const* x, BlockInts* out) {
  const __m256i sc = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + off::kQ6K_scales)));
  const ScaleHalves s16 = Halves(sc);
  const __m256i low4 = _mm256_set1_epi8(0x0F), top2 = _mm256_set1_epi8(0x30);
  __m256i acc[TT][2];
  for (int t = 0; t < TT; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_si256();
  for (int h = 0; h < 2; ++h) {
    const __m256i ql0 = Load32(b + 64 * h), ql1 = Load32(b + 64 * h + 32), qh = Load32(b + off::kQ6K_qh + 32 * h);
    // qh bits 2k, 2k+1 to bits 4, 5 of each code: k = 0, 1, 2, 3 shifted by <<4, <<2, 0, >>2.
    const __m256i q0 = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), top2));
    const __m256i q1 = _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), top2));
    const __m256i q2 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, top2));
    const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                                       _mm256_and_si256(_mm256_srli_epi16(qh, 2), top2));
    __m256i s0, s1, s2, s3;
    QuadScales(s16, 2 * h, &s0, &s1);
    QuadScales(s16, 2 * h + 1, &s2, &s3);
    Step<TT>(acc, x, 128 * h, q0, q1, s0, s1);
    Step<TT>(acc, x, 128 * h + 64, q2, q3, s2, s3);
  }
  for (int t = 0; t < TT; ++t) {
    const __m256i c = _mm256_madd_epi16(Load32(x[t]->bsum), sc);  // lanes 0-7 take 32 * c off
    out[t] = {_mm256_sub_epi32(acc[t][0], _mm256_slli_epi32(c, 5)), acc[t][1], _mm256_setzero_si256()};
  }
}

// IQ2_XXS: a pair of groups a step (group 2 p in the low half, 2 p + 1 in the high half).
template <int TT>
HWY_INLINE void Iq2XxsBlock(const uint8_t* b, const Q8Block* const* x, BlockInts* out) {
  const uint8_t* qs = b + 2;
  // Byte k of a group's 32 gets bit k % 8 of sign byte k / 8.
  const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3,
                                          3, 3, 3, 3, 3, 3);
  const __m256i bits = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ULL));
  const __m256i one = _mm256_set1_epi8(1);
  __m256i acc[TT][2];
  for (int t = 0; t < TT; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_si256();
  for (int p = 0; p < 4; ++p) {
    __m256i q[2], sg[2], s[2];
    for (int h = 0; h < 2; ++h) {
      const uint8_t* g = qs + 8 * (2 * p + h);
      const uint32_t aux1 = load_u32(g + 4);
      q[h] = _mm256_setr_epi64x(static_cast<int64_t>(iq2xxs_grid[g[0]]), static_cast<int64_t>(iq2xxs_grid[g[1]]),
                                static_cast<int64_t>(iq2xxs_grid[g[2]]), static_cast<int64_t>(iq2xxs_grid[g[3]]));
      uint32_t m = 0;
      for (int k = 0; k < 4; ++k) m |= uint32_t(ksigns_iq2xs[(aux1 >> (7 * k)) & 127]) << (8 * k);
      const __m256i mb = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(m)), spread), bits);
      sg[h] = _mm256_or_si256(_mm256_cmpeq_epi8(mb, bits), one);  // -1 where the sign bit is set, else 1
      s[h] = _mm256_set1_epi16(static_cast<int16_t>(2 * (aux1 >> 28) + 1));
    }
    for (int t = 0; t < TT; ++t) {
      const __m256i x0 = _mm256_sign_epi8(Load32(x[t]->q + 64 * p), sg[0]);
      const __m256i x1 = _mm256_sign_epi8(Load32(x[t]->q + 64 * p + 32), sg[1]);
      acc[t][0] = MaddAcc(acc[t][0], _mm256_maddubs_epi16(q[0], x0), s[0]);
      acc[t][1] = MaddAcc(acc[t][1], _mm256_maddubs_epi16(q[1], x1), s[1]);
    }
  }
  for (int t = 0; t < TT; ++t) out[t] = {acc[t][0], acc[t][1], _mm256_setzero_si256()};
}

template <DType kType, int TT>
HWY_INLINE void BlockDot(const uint8_t* b, const Q8Block* const* x, BlockInts* out) {
  if constexpr (kType == DType::Q4_K) Q4KBlock<TT>(b, x, out);
  else if constexpr (kType == DType::Q2_K) Q2KBlock<TT>(b, x, out);
  else if constexpr (kType == DType::Q6_K) Q6KBlock<TT>(b, x, out);
  else Iq2XxsBlock<TT>(b, x, out);
}

// One weight row with TT tokens: y[t * ys] = int8_dot_ref(row, x[t]).
template <DType kType, int TT>
HWY_NOINLINE void RowDot(const uint8_t* row, int64_t nb, const Q8Block* const* x, float* y, int64_t ys) {
  constexpr int64_t BB = kBlockBytes<kType>;
  constexpr bool kMin = kType == DType::Q4_K || kType == DType::Q2_K;
  __m256 F0[TT], F1[TT], G[TT];
  for (int t = 0; t < TT; ++t) F0[t] = F1[t] = G[t] = _mm256_setzero_ps();
  const Q8Block* xb[TT];
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = row + b * BB;
    for (int64_t l = 0; l < BB; l += 64) hwy::Prefetch(blk + kAhead + l);
    BlockInts in[TT];
    for (int t = 0; t < TT; ++t) xb[t] = x[t] + b;
    BlockDot<kType, TT>(blk, xb, in);
    float sa, sm;
    BlockScales<kType>(blk, &sa, &sm);
    for (int t = 0; t < TT; ++t) {
      const __m256 s = _mm256_set1_ps(sa * xb[t]->d);
      F0[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(in[t].a0), s, F0[t]);
      F1[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(in[t].a1), s, F1[t]);
      if constexpr (kMin) G[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(in[t].m), _mm256_set1_ps(sm * xb[t]->d), G[t]);
    }
  }
  for (int t = 0; t < TT; ++t) y[t * ys] = Fold8(_mm256_add_ps(F0[t], F1[t])) - Fold8(G[t]);
}
