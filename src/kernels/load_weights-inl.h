// Per-target weight loaders shared by the Highway kernels (Highway's -inl.h idiom: included
// once per target from the files that foreach_target.h re-includes).
//
// FP8 e4m3 codes are widened to fp16 bit patterns (e4m3 is a subset of fp16 once re-biased:
// code << 7 scales the value by 2^-8) and converted by the hardware fp16 -> fp32 instruction,
// which handles subnormals at full speed; callers fold the 2^8 into the block scale, so every
// dequantised weight is exact. BF16 widens by a shift, F16 by the hardware conversion. (The
// ggml block types have their own decoders: quant/dequant-inl.h.)
#if defined(DSEEK_KERNELS_LOAD_WEIGHTS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef DSEEK_KERNELS_LOAD_WEIGHTS_INL_H_
#undef DSEEK_KERNELS_LOAD_WEIGHTS_INL_H_
#else
#define DSEEK_KERNELS_LOAD_WEIGHTS_INL_H_
#endif

#include <cstdint>
#include <cstring>

#include "hwy/highway.h"
#if HWY_TARGET == HWY_AVX3_DL
#include <immintrin.h>
#endif
#include "kernels/numeric.h"
#include "kernels/quant/blocks.h"
#include "weights/dtype.h"

HWY_BEFORE_NAMESPACE();
namespace dseek {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;

// Loads N weights of row `w` at column k as fp32 (FP8: value * 2^-8; caller scales).
template <DType kType>
HWY_INLINE hn::Vec<DF> LoadW(DF df, const uint8_t* w, int64_t k) {
  if constexpr (kType == DType::F8_E4M3) {
    // Sign-extend the byte to 16 bits and shift by 7: the magnitude bits land on fp16's
    // exponent/mantissa, the sign on bit 15; bit 14 (a copy of the sign) is cleared.
    const hn::Rebind<int8_t, DF> di8;
    const hn::Rebind<int16_t, DF> di16;
    const hn::Rebind<hwy::float16_t, DF> df16;
    const auto b = hn::PromoteTo(di16, hn::LoadU(di8, reinterpret_cast<const int8_t*>(w) + k));
    const auto h = hn::And(hn::ShiftLeft<7>(b), hn::Set(di16, static_cast<int16_t>(0xBF80)));
    return hn::PromoteTo(df, hn::BitCast(df16, h));
  } else if constexpr (kType == DType::BF16) {
    const hn::Rebind<uint16_t, DF> du16;
    const hn::Rebind<uint32_t, DF> du32;
    const auto v = hn::PromoteTo(du32, hn::LoadU(du16, reinterpret_cast<const uint16_t*>(w) + k));
    return hn::BitCast(df, hn::ShiftLeft<16>(v));
  } else if constexpr (kType == DType::F16) {
    const hn::Rebind<hwy::float16_t, DF> df16;
    return hn::PromoteTo(df, hn::LoadU(df16, reinterpret_cast<const hwy::float16_t*>(w) + k));
  } else {
    return hn::LoadU(df, reinterpret_cast<const float*>(w) + k);
  }
}

template <DType kType>
HWY_INLINE float ScalarW(const uint8_t* w, int64_t k) {
  if constexpr (kType == DType::F8_E4M3) {
    return kE4M3Table[w[k]] * (1.0f / 256.0f);
  } else if constexpr (kType == DType::BF16) {
    uint16_t b;
    std::memcpy(&b, w + 2 * k, 2);
    return bf16_to_f32(b);
  } else if constexpr (kType == DType::F16) {
    return quant::load_f16(w + 2 * k);
  } else {
    float f;
    std::memcpy(&f, w + 4 * k, 4);
    return f;
  }
}

// Two vectors of FP8 weights (2N codes) as fp32 (value * 2^-8, exactly LoadW's values): one
// widening, shift and mask serve 2N codes, which matters because decode is close to bound
// by these conversions as well as by memory.
HWY_INLINE void LoadF8x2(DF df, const uint8_t* w, int64_t k, hn::Vec<DF>& w0, hn::Vec<DF>& w1) {
#if HWY_TARGET == HWY_SCALAR
  w0 = LoadW<DType::F8_E4M3>(df, w, k);
  w1 = LoadW<DType::F8_E4M3>(df, w, k + 1);
#else
  const hn::Repartition<int16_t, DF> d16;
  const hn::Rebind<int8_t, decltype(d16)> d8;
  const hn::Half<decltype(d16)> d16h;
  const hn::Rebind<hwy::float16_t, DF> df16;
  const auto b = hn::PromoteTo(d16, hn::LoadU(d8, reinterpret_cast<const int8_t*>(w) + k));
  const auto h = hn::And(hn::ShiftLeft<7>(b), hn::Set(d16, static_cast<int16_t>(0xBF80)));
  w0 = hn::PromoteTo(df, hn::BitCast(df16, hn::LowerHalf(d16h, h)));
  w1 = hn::PromoteTo(df, hn::BitCast(df16, hn::UpperHalf(d16h, h)));
#endif
}

// FP8 by table lookup (AVX3_DL's vpermi2b, when the file asks for that target): 64 codes a
// step become four fp32 vectors with two lookups, one ternary-logic and six in-lane unpacks —
// 1.25-1.3x the widen-and-convert path's rate on hot weights on Zen 5 (measured), which lets
// one core's FP8 decode keep up with memory. A code's low 7 bits index a 128-entry table of the bf16 bits of
// its magnitude * 2^-8 (every e4m3 value, subnormals too, is exact in bf16), one table for
// the high bytes and one for the low; the sign is bit 7 of the code. The unpacks keep each
// 128-bit lane: vector v, lane 4l + j holds column 16l + 4v + j of the 64 (the caller's x is
// in that order: PermuteForF8Lut). Values equal LoadW's bit for bit.
#if HWY_TARGET == HWY_AVX3_DL
constexpr bool kF8Lut = true;

// bf16 bits of e4m3 magnitude code m (0..127) times 2^-8.
constexpr uint16_t F8LutBits(int m) {
  const int e = m >> 3, mant = m & 7;
  if (e > 0) return static_cast<uint16_t>((e + 112) << 7 | mant << 4);  // 2^(e-15) * (1 + mant/8)
  if (mant == 0) return 0;
  int p = 2;  // subnormal: mant * 2^-17 = 1.f * 2^(p - 17), p the top bit of mant
  while (!(mant >> p)) --p;
  return static_cast<uint16_t>((110 + p) << 7 | ((mant << (7 - p)) & 0x7F));
}

struct F8LutTables {
  alignas(64) uint8_t lo[128], hi[128];
  constexpr F8LutTables() : lo(), hi() {
    for (int m = 0; m < 128; ++m) {
      lo[m] = static_cast<uint8_t>(F8LutBits(m) & 0xFF);
      hi[m] = static_cast<uint8_t>(F8LutBits(m) >> 8);
    }
  }
};
inline constexpr F8LutTables kF8Lut_{};

// The tables in registers, loaded once a tile.
struct F8Lut {
  __m512i lo0, lo1, hi0, hi1;
  HWY_INLINE F8Lut()
      : lo0(_mm512_load_si512(kF8Lut_.lo)), lo1(_mm512_load_si512(kF8Lut_.lo + 64)),
        hi0(_mm512_load_si512(kF8Lut_.hi)), hi1(_mm512_load_si512(kF8Lut_.hi + 64)) {}
  // The 64 codes at p as four vectors (value * 2^-8), in PermuteForF8Lut's column order.
  HWY_INLINE void Decode(const uint8_t* p, hn::Vec<DF> (&v)[4]) const {
    // Two 32-byte loads, not one of 64: weights sit at any offset (safetensors packs tensors
    // back to back), and a 64-byte load across two cold lines cost ~2-3x (measured); split
    // 32-byte loads are as fast as aligned ones.
    const __m512i c = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))),
                                         _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)), 1);
    const __m512i lo = _mm512_permutex2var_epi8(lo0, c, lo1);
    // hi | (c & 0x80): the table byte with the code's sign bit
    const __m512i hi = _mm512_ternarylogic_epi32(_mm512_permutex2var_epi8(hi0, c, hi1), c,
                                                 _mm512_set1_epi8(static_cast<char>(0x80)), 0xF8);
    const __m512i w0 = _mm512_unpacklo_epi8(lo, hi), w1 = _mm512_unpackhi_epi8(lo, hi);
    const __m512i z = _mm512_setzero_si512();
    v[0] = hn::Vec<DF>{_mm512_castsi512_ps(_mm512_unpacklo_epi16(z, w0))};
    v[1] = hn::Vec<DF>{_mm512_castsi512_ps(_mm512_unpackhi_epi16(z, w0))};
    v[2] = hn::Vec<DF>{_mm512_castsi512_ps(_mm512_unpacklo_epi16(z, w1))};
    v[3] = hn::Vec<DF>{_mm512_castsi512_ps(_mm512_unpackhi_epi16(z, w1))};
  }
};
#else
constexpr bool kF8Lut = false;
#endif

// x [T, K] -> xp in F8Lut::Decode's order: within every whole 64-column chunk, xp[16v + 4l + j]
// = x[16l + 4v + j]; columns past the last whole chunk stay in place.
inline void PermuteForF8Lut(const float* x, int64_t T, int64_t K, float* xp) {
  for (int64_t t = 0; t < T; ++t) {
    const float* xr = x + t * K;
    float* pr = xp + t * K;
    int64_t k0 = 0;
    for (; k0 + 64 <= K; k0 += 64)
      for (int v = 0; v < 4; ++v)
        for (int l = 0; l < 4; ++l)
          for (int j = 0; j < 4; ++j) pr[k0 + 16 * v + 4 * l + j] = xr[k0 + 16 * l + 4 * v + j];
    for (; k0 < K; ++k0) pr[k0] = xr[k0];
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#endif  // DSEEK_KERNELS_LOAD_WEIGHTS_INL_H_
