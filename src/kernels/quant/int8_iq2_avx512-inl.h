// The IQ2_XXS block kernel of the AVX-512 int8 mode (Iq2XxsBlock<TT>): included by
// int8_avx512-inl.h inside the per-target namespace (no include guard); lanes as there.
//
// AVX3_DL (VBMI, BITALG): no gathers and no mask moves through general registers. Every byte
// of a grid point is one of 8, 25, 43, so a point is a 16-bit code (2 bits an element); the
// codes' low and high bytes are two 256-byte tables (4 vectors each). Per block one vpermb lays
// the 32 index bytes out so that qword q holds, in word p, the index of the point step p needs
// in its qword q (point q % 4 of group 2 p + q / 4); four vpermi2b (index bits 0-6, then bit 7
// selects) look the code bytes up in place. A step then takes one vpmultishiftqb (element i's
// 2 bits of word p to byte i) and one vpermb (2 bits to 8, 25, 43). Signs: one vpermb and one
// vpmultishiftqb put each point's 7 stored sign bits, for all 4 steps, into one vector (byte p
// of qword q, as the codes), one vgf2p8affineqb (GFNI) sets bit 7 to their parity, and per step
// one vpshufbitqmb reads the step's 64-bit negation mask out of it. Hot, one Zen 5 core: ~6 ns
// a block, from ~8.1 ns with vpermi2w lookups, a spread a step and masks moved through general
// registers (kmovq); the masks were the largest cost (README, quantized weights).
// AVX3 (no VBMI): grid points by gathers, sign masks by table.

#if HWY_TARGET == HWY_AVX3_DL
struct Iq2Grid {
  __m512i lo[4], hi[4];
};
HWY_INLINE Iq2Grid LoadIq2Grid() {
  struct Codes {
    alignas(64) uint8_t lo[256], hi[256];
    Codes() {
      for (int e = 0; e < 256; ++e) {
        int c = 0;
        for (int i = 0; i < 8; ++i) {
          const int byte = static_cast<int>((iq2xxs_grid[e] >> (8 * i)) & 0xFF);
          c |= (byte == 8 ? 0 : byte == 25 ? 1 : 2) << (2 * i);
        }
        lo[e] = static_cast<uint8_t>(c), hi[e] = static_cast<uint8_t>(c >> 8);
      }
    }
  };
  static const Codes kCodes;
  Iq2Grid g;
  for (int i = 0; i < 4; ++i) {
    g.lo[i] = _mm512_load_si512(kCodes.lo + 64 * i);
    g.hi[i] = _mm512_load_si512(kCodes.hi + 64 * i);
  }
  return g;
}
struct Iq2Idx {
  alignas(64) int8_t codes[64];      // byte 8 q + 2 p (+ 1): the qs byte of point q % 4, group 2 p + q / 4
  alignas(64) int8_t pick[4][64];    // step p: bits 16 p + 2 i of each qword to byte i
  alignas(64) int16_t scale[4][32];  // step p: word 0 of qword 2 p (words 0-15), 2 p + 1 (16-31)
  alignas(64) int8_t sign_bytes[64];  // word p of qword q: the 2 qs bytes of that point's sign field
  alignas(64) int8_t sign_bits[64];   // its 7 bits to byte p
  alignas(64) int8_t sign_pick[4][64];  // step p: bit i of byte p of qword g to mask bit 8 g + i
  alignas(64) int8_t levels[64];     // 8, 25, 43 by the low 2 bits
  constexpr Iq2Idx() : codes{}, pick{}, scale{}, sign_bytes{}, sign_bits{}, sign_pick{}, levels{} {
    for (int k = 0; k < 64; ++k) {
      const int q = k / 8, p = (k % 8) / 2;
      codes[k] = static_cast<int8_t>(8 * (2 * p + q / 4) + q % 4);
      levels[k] = static_cast<int8_t>(k % 4 == 0 ? 8 : k % 4 == 1 ? 25 : 43);
    }
    for (int p = 0; p < 4; ++p) {
      for (int k = 0; k < 64; ++k) pick[p][k] = static_cast<int8_t>(16 * p + 2 * (k % 8));
      for (int w = 0; w < 32; ++w) scale[p][w] = static_cast<int16_t>(4 * (2 * p + w / 16));
    }
    for (int k = 0; k < 64; ++k) {  // the field of point g: bits 7 g .. 7 g + 6 of aux1 (qs byte 4 + ...)
      const int q = k / 8, p = (k % 8) / 2, g = q % 4;
      sign_bytes[k] = static_cast<int8_t>(8 * (2 * p + q / 4) + 4 + 7 * g / 8 + k % 2);
      sign_bits[k] = static_cast<int8_t>(k % 8 < 4 ? 16 * (k % 8) + 7 * g % 8 : 0);
      for (int s = 0; s < 4; ++s) sign_pick[s][k] = static_cast<int8_t>(8 * s + k % 8);
    }
  }
};
inline constexpr Iq2Idx kIq2Idx{};
#else
struct Iq2Grid {};
HWY_INLINE Iq2Grid LoadIq2Grid() { return {}; }
#endif

template <int TT>
HWY_INLINE void Iq2XxsBlock(const uint8_t* b, const Q8Block* const* x, BlockInts* out, const Iq2Grid& grid) {
  const uint8_t* qs = b + 2;
  const __m512i words = _mm512_loadu_si512(qs);  // qword j: group j's 4 indices, then aux1
#if HWY_TARGET == HWY_AVX3_DL
  __m512i signs;
  {
    // Byte p of qword q: the 7 stored sign bits of point q % 4 of group 2 p + q / 4 (bit 7:
    // junk), then their parity (the 8th sign) in bit 7.
    const __m512i two = _mm512_permutexvar_epi8(_mm512_load_si512(kIq2Idx.sign_bytes), words);
    const __m512i f = _mm512_multishift_epi64_epi8(_mm512_load_si512(kIq2Idx.sign_bits), two);
    // GF(2) affine map of each byte: bits 0-6 kept, bit 7 = parity of bits 0-6 (matrix row of
    // output bit i in byte 7 - i).
    signs = _mm512_gf2p8affine_epi64_epi8(f, _mm512_set1_epi64(0x010204081020407FLL), 0);
  }
  // 2 s + 1 of group j in word 0 of qword j (bit 59, a sign bit, is or-ed away).
  const __m512i ls = _mm512_or_si512(_mm512_srli_epi64(words, 59), _mm512_set1_epi64(1));
  const __m512i at = _mm512_permutexvar_epi8(_mm512_load_si512(kIq2Idx.codes), words);
  const __mmask64 b7 = _mm512_movepi8_mask(at);
  const __m512i lo = _mm512_mask_blend_epi8(b7, _mm512_permutex2var_epi8(grid.lo[0], at, grid.lo[1]),
                                            _mm512_permutex2var_epi8(grid.lo[2], at, grid.lo[3]));
  const __m512i hi = _mm512_mask_blend_epi8(b7, _mm512_permutex2var_epi8(grid.hi[0], at, grid.hi[1]),
                                            _mm512_permutex2var_epi8(grid.hi[2], at, grid.hi[3]));
  const __m512i codes = _mm512_mask_blend_epi8(0xAAAAAAAAAAAAAAAAULL, lo, hi);
  // Level of a code by its low 2 bits (vpermb reads 6 index bits: the rest need no masking).
  const __m512i levels = _mm512_load_si512(kIq2Idx.levels);
#else
  (void)grid;
  uint64_t masks[4];  // bit 64 p + 8 g + i negates element i of point g of step p
  for (int p = 0; p < 4; ++p) {
    uint64_t m = 0;
    for (int j = 0; j < 2; ++j) {
      const uint32_t aux1 = load_u32(qs + 8 * (2 * p + j) + 4);
      for (int g = 0; g < 4; ++g) m |= uint64_t(ksigns_iq2xs[(aux1 >> (7 * g)) & 127]) << (32 * j + 8 * g);
    }
    masks[p] = m;
  }
  const long long* points = reinterpret_cast<const long long*>(iq2xxs_grid);
  // 2 s + 1 of the 8 groups (the top 4 bits of each qword) as int16, in every 128-bit lane.
  const __m128i s8 = _mm512_cvtepi64_epi16(_mm512_srli_epi64(words, 60));
  const __m512i ls = _mm512_broadcast_i32x4(_mm_or_si128(_mm_slli_epi16(s8, 1), _mm_set1_epi16(1)));
#endif
  __m512i acc[TT][2];  // even and odd steps (two short chains)
  for (int t = 0; t < TT; ++t) acc[t][0] = acc[t][1] = _mm512_setzero_si512();
  for (int p = 0; p < 4; ++p) {
#if HWY_TARGET == HWY_AVX3_DL
    const __m512i q = _mm512_permutexvar_epi8(
        _mm512_multishift_epi64_epi8(_mm512_load_si512(kIq2Idx.pick[p]), codes), levels);
    const __m512i s = _mm512_permutexvar_epi16(_mm512_load_si512(kIq2Idx.scale[p]), ls);
    // Bit 8 g + i: element i of point g of the step negated.
    const __mmask64 neg = _mm512_bitshuffle_epi64_mask(signs, _mm512_load_si512(kIq2Idx.sign_pick[p]));
#else
    const uint64_t i0 = load_u32(qs + 16 * p), i1 = load_u32(qs + 16 * p + 8);
    const __m512i gi = _mm512_cvtepu8_epi64(_mm_cvtsi64_si128(static_cast<int64_t>(i0 | i1 << 32)));
    const __m512i q = _mm512_i64gather_epi64(gi, points, 8);
    const __m512i s = _mm512_shuffle_epi8(ls, _mm512_load_si512(kPairScale.v[p]));
    const __mmask64 neg = _cvtu64_mask64(masks[p]);
#endif
    for (int t = 0; t < TT; ++t) {
      const __m512i xv = _mm512_load_si512(x[t]->q + 64 * p);
      const __m512i xs = _mm512_mask_sub_epi8(xv, neg, _mm512_setzero_si512(), xv);
      acc[t][p % 2] = MaddAcc(acc[t][p % 2], _mm512_maddubs_epi16(q, xs), s);
    }
  }
  for (int t = 0; t < TT; ++t) out[t] = {_mm512_add_epi32(acc[t][0], acc[t][1]), _mm256_setzero_si256()};
}
