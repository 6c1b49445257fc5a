// SIMD kernels of the int8 numerics mode (int8_act.h): a block-type weight row times int8
// activation rows, the lanes and float steps int8_dot_ref defines.
//
// AVX-512BW (Highway targets AVX3 and AVX3_DL): per 64 weights one vector of unsigned codes,
// then per token vpmaddubsw (code x int8 activation, pairs summed to int16 — no type here can
// saturate: |code| * 127 * 2 < 2^15) and vpmaddwd by the sub-block scales (spread to the lanes
// by an in-lane vpshufb) into int32 lanes (AVX3_DL: VNNI vpdpwssd does both in one). IQ2_XXS
// signs are applied to the activations (masked negate); its grid points come from register
// lookups (AVX3_DL) or gathers. Each block's int32 lanes go into fp32 lanes with one FMA —
// no horizontal sum until the row's end. Other targets compute int8_dot_ref row by row (the
// same floats, slower).
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL  // the VNNI target; detected at run time like the others
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/quant/int8_gemm_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/grids.h"
#include "kernels/quant/int8_gemm.h"

#include <algorithm>
#include <cmath>

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX2
#include <immintrin.h>
#endif

HWY_BEFORE_NAMESPACE();
#if HWY_TARGET == HWY_AVX3_DL
// Highway's AVX3_DL names only the VEX avxvnni, and not GFNI (IQ2_XXS sign parity; checked at
// run time in Int8Rows).
#pragma GCC target("avx512vnni,gfni")
#endif
namespace dseek {
namespace HWY_NAMESPACE {

using namespace quant;
constexpr int64_t kAhead = 8192;  // bytes a row's stream is prefetched ahead (~ latency x bandwidth)

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX2
// Shared by the x86 kernels: the scale spreads (in-lane vpshufb indices), the block sizes and
// scales, the lane fold.
// vpshufb indices: int16 word 2 p of a 128-bit lane in the low 256 bits, word 2 p + 1 in the
// high 256 bits.
struct PairScale {
  alignas(64) int8_t v[4][64];
  constexpr PairScale() : v{} {
    for (int p = 0; p < 4; ++p)
      for (int k = 0; k < 64; ++k) v[p][k] = static_cast<int8_t>(2 * (2 * p + k / 32) + k % 2);
  }
};
inline constexpr PairScale kPairScale{};
// The same for sub-blocks of 16: 128-bit lane i of step p takes word (4 p + i) mod 8 (the
// source holds scales 0-7 for steps 0, 1 and 8-15 for steps 2, 3).
struct QuadScale {
  alignas(64) int8_t v[4][64];
  constexpr QuadScale() : v{} {
    for (int p = 0; p < 4; ++p)
      for (int k = 0; k < 64; ++k) v[p][k] = static_cast<int8_t>(2 * ((4 * p + k / 16) % 8) + k % 2);
  }
};
inline constexpr QuadScale kQuadScale{};
template <DType kType>
constexpr int64_t kBlockBytes = kType == DType::Q4_K ? 144 : kType == DType::Q2_K ? 84 : kType == DType::Q6_K ? 210 : 66;

// A block's s_a, s_m (int8_act.h).
template <DType kType>
HWY_INLINE void BlockScales(const uint8_t* b, float* sa, float* sm) {
  if constexpr (kType == DType::Q4_K) {
    *sa = _cvtsh_ss(load_u16(b));
    *sm = _cvtsh_ss(load_u16(b + 2));
  } else if constexpr (kType == DType::Q2_K) {
    *sa = _cvtsh_ss(load_u16(b + off::kQ2K_d));
    *sm = _cvtsh_ss(load_u16(b + off::kQ2K_dmin));
  } else if constexpr (kType == DType::Q6_K) {
    *sa = _cvtsh_ss(load_u16(b + off::kQ6K_d));
    *sm = 0.0f;
  } else {
    *sa = 0.125f * _cvtsh_ss(load_u16(b));
    *sm = 0.0f;
  }
}

// fold() of int8_dot_ref: 16 (8) lanes halved down to one, low half plus high half each time.
HWY_INLINE float Fold8(__m256 v) {
  __m128 r = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}
#endif

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#define DSEEK_INT8_SIMD 1
#include "kernels/quant/int8_avx512-inl.h"
#elif HWY_TARGET == HWY_AVX2
#define DSEEK_INT8_SIMD 1
#include "kernels/quant/int8_avx2-inl.h"
#endif

#ifdef DSEEK_INT8_SIMD
template <DType kType>
void TypedRows(const Q8Block* xq, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  const int64_t nb = a.cols / 256, row_bytes = nb * static_cast<int64_t>(dtype_block_bytes(kType));
  // Rows in bands of 16 (their bytes stay in L2 while every token group passes over them).
  for (int64_t j0 = j_begin; j0 < j_end; j0 += 16) {
    const int64_t j1 = std::min(j_end, j0 + 16);
    for (int64_t t0 = 0; t0 < T; t0 += 4) {
      const int tn = static_cast<int>(std::min<int64_t>(4, T - t0));
      const Q8Block* x[4];
      for (int t = 0; t < tn; ++t) x[t] = xq + (t0 + t) * nb;
      // One row at a time: two rows interleaved were 5 % faster hot but 20-25 % slower cold
      // (Q2_K, Q4_K: two streams 1 row apart defeat the sequential read).
      for (int64_t j = j0; j < j1; ++j) {
        const uint8_t* row = a.data + (a.r0 + j) * row_bytes;
        float* yj = y + t0 * a.n + j;
        switch (tn) {
          case 1: RowDot<kType, 1>(row, nb, x, yj, a.n); break;
          case 2: RowDot<kType, 2>(row, nb, x, yj, a.n); break;
          case 3: RowDot<kType, 3>(row, nb, x, yj, a.n); break;
          default: RowDot<kType, 4>(row, nb, x, yj, a.n); break;
        }
      }
    }
  }
}
#endif  // DSEEK_INT8_SIMD

// quantize_act_q8_ref's values, vectorised (a multiply then round-to-nearest-even, as there).
void QuantizeAct(const float* x, int64_t K, Q8Block* out) {
  namespace hn = hwy::HWY_NAMESPACE;
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<int8_t, decltype(di)> d8;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  if (N > 16 || 16 % N != 0) return quantize_act_q8_ref(x, K, out);
  for (int64_t b = 0; b < K / 256; ++b) {
    const float* xb = x + 256 * b;
    Q8Block& o = out[b];
    auto vmax = hn::Zero(df);
    for (int64_t i = 0; i < 256; i += N) vmax = hn::Max(vmax, hn::Abs(hn::LoadU(df, xb + i)));
    const float amax = hn::GetLane(hn::MaxOfLanes(df, vmax));
    const float s = amax > 0.0f ? 127.0f / amax : 0.0f;
    const auto vs = hn::Set(df, s);
    const auto lo = hn::Set(di, -127), hi = hn::Set(di, 127);
    for (int64_t g = 0; g < 16; ++g) {
      auto sum = hn::Zero(di);
      for (int64_t i = 16 * g; i < 16 * g + 16; i += N) {
        const auto q = hn::Min(hn::Max(hn::NearestInt(hn::Mul(hn::LoadU(df, xb + i), vs)), lo), hi);
        sum = hn::Add(sum, q);
        hn::StoreU(hn::DemoteTo(d8, q), d8, o.q + i);
      }
      o.bsum[g] = static_cast<int16_t>(hn::GetLane(hn::SumOfLanes(di, sum)));
    }
    o.d = amax > 0.0f ? 1.0f / s : 0.0f;
  }
}

// y[t * n + j] = int8_dot_ref(W row r0 + j, activation row t) for j in [j_begin, j_end).
void Int8Rows(const Q8Block* xq, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
#if HWY_TARGET == HWY_AVX3_DL
  // Every CPU with AVX3_DL so far has GFNI; one without gets the scalar definition.
  static const bool kGfni = __builtin_cpu_supports("gfni");
  const bool simd = kGfni || a.dtype != DType::IQ2_XXS;
#else
  const bool simd = true;
#endif
  (void)simd;
#ifdef DSEEK_INT8_SIMD
  if (simd) switch (a.dtype) {
    case DType::Q4_K: return TypedRows<DType::Q4_K>(xq, T, a, j_begin, j_end, y);
    case DType::Q2_K: return TypedRows<DType::Q2_K>(xq, T, a, j_begin, j_end, y);
    case DType::Q6_K: return TypedRows<DType::Q6_K>(xq, T, a, j_begin, j_end, y);
    case DType::IQ2_XXS: return TypedRows<DType::IQ2_XXS>(xq, T, a, j_begin, j_end, y);
    default: break;
  }
#endif
  const int64_t nb = a.cols / 256, row_bytes = nb * static_cast<int64_t>(dtype_block_bytes(a.dtype));
  for (int64_t j = j_begin; j < j_end; ++j)
    for (int64_t t = 0; t < T; ++t)
      y[t * a.n + j] = int8_dot_ref(a.dtype, a.data + (a.r0 + j) * row_bytes, xq + t * nb, nb);
}

#undef DSEEK_INT8_SIMD
}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dseek {
HWY_EXPORT(Int8Rows);
HWY_EXPORT(QuantizeAct);
void quantize_act_q8(const float* x, int64_t K, Q8Block* out) { HWY_DYNAMIC_DISPATCH(QuantizeAct)(x, K, out); }
void int8_gemm_rows(const Q8Block* xq, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  HWY_DYNAMIC_DISPATCH(Int8Rows)(xq, T, a, j_begin, j_end, y);
}
}  // namespace dseek
#endif
