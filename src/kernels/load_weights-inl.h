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

}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#endif  // DSEEK_KERNELS_LOAD_WEIGHTS_INL_H_
