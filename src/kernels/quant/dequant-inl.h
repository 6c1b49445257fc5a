// Per-target SIMD decoders of ggml's block types (Highway's -inl.h idiom: included once per
// target from the kernels that foreach_target.h re-includes, like load_weights-inl.h).
//
// DecodeBlock<kType>(blk, f) dequantises one block (32 or 256 weights) straight into vectors
// and calls f(i, w) for i = 0, 1, ... in order, w holding elements [i * N, (i + 1) * N) of the
// block. Every value is exactly dequant_row_ref's (= ggml's to_float): the products of an
// fp16 scale and a few-bit integer are exact in fp32, so each weight is computed with one
// rounding (an FMA of code, scale and offset, or a lookup in a table of such values), as
// ggml's expression rounds it.
//
// Kernels that decode many blocks use the two phases DecodeBlock is made of: PrepBlock for the
// blocks of all their rows (scales unpacked into a small buffer), then DecodePrepped (see
// PrepFloats), and DecodePair where HasPairDecoder.
//
// Vector decoders cover 4 to 16 lanes (SSE4/NEON to AVX2), with table lookups and the two-phase
// decoders on 16 lanes (AVX-512); other targets, and IQ4 below 16 lanes, decode through
// dequant_row_ref into an L1 buffer (same values).
#if defined(DSEEK_KERNELS_QUANT_DEQUANT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef DSEEK_KERNELS_QUANT_DEQUANT_INL_H_
#undef DSEEK_KERNELS_QUANT_DEQUANT_INL_H_
#else
#define DSEEK_KERNELS_QUANT_DEQUANT_INL_H_
#endif

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "hwy/highway.h"
#include "kernels/gemm_hwy.h"
#include "kernels/load_weights-inl.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/grids.h"
#include "kernels/quant/quant.h"
#include "weights/dtype.h"

HWY_BEFORE_NAMESPACE();
namespace dseek {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr bool IsBlockType(DType t) {
  switch (t) {
    case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: case DType::Q8_0:
    case DType::Q2_K: case DType::Q3_K: case DType::Q4_K: case DType::Q5_K: case DType::Q6_K:
    case DType::IQ2_XXS: case DType::IQ3_XXS: case DType::IQ1_S: case DType::IQ4_NL: case DType::IQ4_XS:
    case DType::F4_E2M1:  // blocks of 32 codes whose scales are a tensor of their own (DecodeRowBlock)
      return true;
    default:
      return false;
  }
}
constexpr int64_t BlockElems(DType t) {
  switch (t) {
    case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: case DType::Q8_0: case DType::IQ4_NL:
    case DType::F4_E2M1:
      return 32;
    default:
      return IsBlockType(t) ? 256 : 1;
  }
}
constexpr int64_t BlockBytes(DType t) {
  switch (t) {
    case DType::Q4_0: return 18;
    case DType::Q4_1: return 20;
    case DType::Q5_0: return 22;
    case DType::Q5_1: return 24;
    case DType::Q8_0: return 34;
    case DType::Q2_K: return 84;
    case DType::Q3_K: return 110;
    case DType::Q4_K: return 144;
    case DType::Q5_K: return 176;
    case DType::Q6_K: return 210;
    case DType::IQ2_XXS: return 66;
    case DType::IQ3_XXS: return 98;
    case DType::IQ1_S: return 50;
    case DType::IQ4_NL: return 18;
    case DType::IQ4_XS: return 136;
    case DType::F4_E2M1: return 16;
    case DType::F8_E4M3: return 1;
    case DType::BF16: case DType::F16: return 2;
    default: return 4;
  }
}
// Byte offset of column k (a block boundary for block types) within a row.
template <DType kType>
constexpr int64_t ColumnBytes(int64_t k) {
  return k / BlockElems(kType) * BlockBytes(kType);
}

// f(std::integral_constant<size_t, i>{}) for i = 0 .. n-1, unrolled (accumulator arrays
// indexed by i stay in registers).
template <class F, size_t... I>
HWY_INLINE void UnrollImpl(F&& f, std::index_sequence<I...>) {
  (f(std::integral_constant<size_t, I>{}), ...);
}
template <size_t n, class F>
HWY_INLINE void Unroll(F&& f) {
  UnrollImpl(f, std::make_index_sequence<n>{});
}

// f(std::integral_constant<DType, t>{}) with t the weight type the kernels instantiate for:
// FP8, BF16, F16, every ggml block type, F4_E2M1; anything else is read as F32.
template <class F>
HWY_INLINE void VisitWeightType(DType t, F&& f) {
#define DSEEK_VISIT(T) \
  case DType::T: return f(std::integral_constant<DType, DType::T>{});
  switch (t) {
    DSEEK_VISIT(F8_E4M3) DSEEK_VISIT(BF16) DSEEK_VISIT(F16)
    DSEEK_VISIT(Q4_0) DSEEK_VISIT(Q4_1) DSEEK_VISIT(Q5_0) DSEEK_VISIT(Q5_1) DSEEK_VISIT(Q8_0)
    DSEEK_VISIT(Q2_K) DSEEK_VISIT(Q3_K) DSEEK_VISIT(Q4_K) DSEEK_VISIT(Q5_K) DSEEK_VISIT(Q6_K)
    DSEEK_VISIT(IQ2_XXS) DSEEK_VISIT(IQ3_XXS) DSEEK_VISIT(IQ1_S) DSEEK_VISIT(IQ4_NL) DSEEK_VISIT(IQ4_XS)
    DSEEK_VISIT(F4_E2M1)
    default: return f(std::integral_constant<DType, DType::F32>{});
  }
#undef DSEEK_VISIT
}

namespace qd {

using DU = hn::Rebind<uint32_t, DF>;
using DI = hn::Rebind<int32_t, DF>;
using VF = hn::Vec<DF>;
using VU = hn::Vec<DU>;

// Lanes of the vector decoders (0: none, everything through the buffer).
#undef DSEEK_QD_LANES
#if HWY_TARGET == HWY_SCALAR || HWY_HAVE_SCALABLE || HWY_MAX_BYTES > 64
#define DSEEK_QD_LANES 0
#else
#define DSEEK_QD_LANES (HWY_MAX_BYTES / 4)
#endif
constexpr size_t kN = DSEEK_QD_LANES;

// After a kernel wrote its blocks' prep buffers: the compiler must read them back from memory
// as broadcast loads (load ports), not forward the stored vectors through lane permutes,
// which compete with the table lookups for the shuffle unit.
HWY_INLINE void ScalesFromMemory() {
#if HWY_COMPILER_GCC || HWY_COMPILER_CLANG
  asm volatile("" ::: "memory");
#endif
}

template <DType kType, class F>
HWY_INLINE void Buffered(const uint8_t* b, F&& f) {
  const DF df;
  const size_t N = hn::Lanes(df);
  alignas(64) float buf[256];
  dequant_row_ref(kType, b, buf, BlockElems(kType));
  for (size_t i = 0; i * N < static_cast<size_t>(BlockElems(kType)); ++i) f(i, hn::Load(df, buf + i * N));
}

#if DSEEK_QD_LANES >= 4
// kN bytes zero-extended to 32-bit lanes.
HWY_INLINE VU Bytes(const uint8_t* p) { return hn::PromoteTo(DU(), hn::LoadU(hn::Rebind<uint8_t, DF>(), p)); }
HWY_INLINE VF ToF(VU v) { return hn::ConvertTo(DF(), hn::BitCast(DI(), v)); }
// The fp16 at p in every lane (a broadcast and the hardware conversion: no scalar fp16 work).
HWY_INLINE VF F16Splat(const uint8_t* p) {
  const hn::Rebind<uint16_t, DF> du16;
  return hn::PromoteTo(DF(), hn::BitCast(hn::Rebind<hwy::float16_t, DF>(), hn::Set(du16, quant::load_u16(p))));
}
// code * scale + offset, rounded once (the product is exact).
HWY_INLINE VF Affine(VU code, float scale, float offset) {
  return hn::MulAdd(ToF(code), hn::Set(DF(), scale), hn::Set(DF(), offset));
}

// Q4_0 / Q4_1: byte j holds element j (low nibble) and j + 16 (high).
template <bool kMin, class F>
HWY_INLINE void Q4_01(const uint8_t* b, F&& f) {
  constexpr size_t H = 16 / kN;
  const float d = quant::load_f16(b), off = kMin ? quant::load_f16(b + 2) : -8.0f * d;
  const uint8_t* qs = b + (kMin ? 4 : 2);
  VU q[H];
  for (size_t h = 0; h < H; ++h) q[h] = Bytes(qs + h * kN);
  for (size_t h = 0; h < H; ++h) f(h, Affine(hn::And(q[h], hn::Set(DU(), 15)), d, off));
  for (size_t h = 0; h < H; ++h) f(H + h, Affine(hn::ShiftRight<4>(q[h]), d, off));
}

// Q5_0 / Q5_1: as Q4 plus bit e of qh as bit 4 of element e.
template <bool kMin, class F>
HWY_INLINE void Q5_01(const uint8_t* b, F&& f) {
  constexpr size_t H = 16 / kN;
  const float d = quant::load_f16(b), off = kMin ? quant::load_f16(b + 2) : -16.0f * d;
  const uint8_t* p = b + (kMin ? 4 : 2);
  const VU qh = hn::Set(DU(), quant::load_u32(p));
  const VU iota = hn::Iota(DU(), 0), one = hn::Set(DU(), 1);
  for (size_t half = 0; half < 2; ++half)
    for (size_t h = 0; h < H; ++h) {
      const VU q = Bytes(p + 4 + h * kN);
      const VU lo = half ? hn::ShiftRight<4>(q) : hn::And(q, hn::Set(DU(), 15));
      const VU hb = hn::And((qh >> hn::Add(iota, hn::Set(DU(), static_cast<uint32_t>(16 * half + h * kN)))), one);
      f(half * H + h, Affine(hn::Or(lo, hn::ShiftLeft<4>(hb)), d, off));
    }
}

template <class F>
HWY_INLINE void Q8_0(const uint8_t* b, F&& f) {
  const DF df;
  const VF d = F16Splat(b);
  const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (size_t i = 0; i < 32 / kN; ++i)
    f(i, hn::Mul(hn::ConvertTo(df, hn::PromoteTo(DI(), hn::LoadU(hn::Rebind<int8_t, DF>(), qs + i * kN))), d));
}

// Q2_K: 16 groups of 16; group g = 8n + 2j + half takes bits 2j..2j+1 of q[32n + 16 half + l].
template <class F>
HWY_INLINE void Q2_K(const uint8_t* b, F&& f) {
  constexpr size_t V = 16 / kN;
  const float d = quant::load_f16(b + quant::off::kQ2K_d), dmin = quant::load_f16(b + quant::off::kQ2K_dmin);
  const VU three = hn::Set(DU(), 3);
  for (int n = 0; n < 2; ++n) {
    VU q[2 * V];
    for (size_t h = 0; h < 2 * V; ++h) q[h] = Bytes(b + 16 + 32 * n + h * kN);
    for (int j = 0; j < 4; ++j)
      for (int half = 0; half < 2; ++half) {
        const int g = 8 * n + 2 * j + half;
        const uint8_t s = b[g];
        const float dl = d * (s & 0xF), ml = dmin * (s >> 4);
        for (size_t v = 0; v < V; ++v)
          f(g * V + v, Affine(hn::And(hn::ShiftRightSame(q[half * V + v], 2 * j), three), dl, -ml));
      }
  }
}

// Q3_K: as Q2_K's layout, plus high-mask bit 4n + j of hm[16 half + l] (clear: q - 4).
template <class F>
HWY_INLINE void Q3_K(const uint8_t* b, F&& f) {
  constexpr size_t V = 16 / kN;
  const float d = quant::load_f16(b + quant::off::kQ3K_d);
  int8_t sc[16];
  quant::scales_q3k(b + quant::off::kQ3K_scales, sc);
  const VU three = hn::Set(DU(), 3), one = hn::Set(DU(), 1);
  VU hm[2 * V];
  for (size_t h = 0; h < 2 * V; ++h) hm[h] = Bytes(b + h * kN);
  for (int n = 0; n < 2; ++n) {
    VU q[2 * V];
    for (size_t h = 0; h < 2 * V; ++h) q[h] = Bytes(b + 32 + 32 * n + h * kN);
    for (int j = 0; j < 4; ++j)
      for (int half = 0; half < 2; ++half) {
        const int g = 8 * n + 2 * j + half;
        const float dl = d * sc[g];
        for (size_t v = 0; v < V; ++v) {
          const VU lo = hn::And(hn::ShiftRightSame(q[half * V + v], 2 * j), three);
          const VU hi = hn::And(hn::ShiftRightSame(hm[half * V + v], 4 * n + j), one);
          f(g * V + v, Affine(hn::Or(lo, hn::ShiftLeft<2>(hi)), dl, -4.0f * dl));
        }
      }
  }
}

// Q4_K / Q5_K: 4 chunks of 64; chunk c: low nibbles of q[32c + l] are group 2c, high nibbles
// group 2c + 1 (Q5_K: bit 2c / 2c + 1 of qh[l] adds 16).
template <bool k5, class F>
HWY_INLINE void Q45_K(const uint8_t* b, F&& f) {
  constexpr size_t H = 32 / kN;
  const float d = quant::load_f16(b), dmin = quant::load_f16(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qs = b + (k5 ? quant::off::kQ5K_qs : 16);
  const VU fifteen = hn::Set(DU(), 15), one = hn::Set(DU(), 1);
  VU qh[k5 ? H : 1];
  if constexpr (k5)
    for (size_t h = 0; h < H; ++h) qh[h] = Bytes(b + quant::off::kQ5K_qh + h * kN);
  for (int c = 0; c < 4; ++c) {
    uint8_t s0, m0, s1, m1;
    quant::scale_min_k4(2 * c, scales, &s0, &m0);
    quant::scale_min_k4(2 * c + 1, scales, &s1, &m1);
    const float d1 = d * s0, o1 = -(dmin * m0), d2 = d * s1, o2 = -(dmin * m1);
    VU q[H];
    for (size_t h = 0; h < H; ++h) q[h] = Bytes(qs + 32 * c + h * kN);
    for (size_t h = 0; h < H; ++h) {
      VU v = hn::And(q[h], fifteen);
      if constexpr (k5) v = hn::Or(v, hn::ShiftLeft<4>(hn::And(hn::ShiftRightSame(qh[h], 2 * c), one)));
      f(2 * c * H + h, Affine(v, d1, o1));
    }
    for (size_t h = 0; h < H; ++h) {
      VU v = hn::ShiftRight<4>(q[h]);
      if constexpr (k5) v = hn::Or(v, hn::ShiftLeft<4>(hn::And(hn::ShiftRightSame(qh[h], 2 * c + 1), one)));
      f((2 * c + 1) * H + h, Affine(v, d2, o2));
    }
  }
}

// Q6_K: halves n of 128; group g (0..3) of 32: nibble of ql[64n + 32 (g & 1) + l] (g >= 2:
// high), bits 2g..2g+1 of qh[32n + l] as bits 4..5, minus 32; scale sc[8n + l / 16 + 2g].
template <class F>
HWY_INLINE void Q6_K(const uint8_t* b, F&& f) {
  constexpr size_t H = 32 / kN;
  const float d = quant::load_f16(b + quant::off::kQ6K_d);
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + quant::off::kQ6K_scales);
  const VU fifteen = hn::Set(DU(), 15), three = hn::Set(DU(), 3);
  for (int n = 0; n < 2; ++n) {
    VU qh[H], qa[H], qb[H];
    for (size_t h = 0; h < H; ++h) {
      qh[h] = Bytes(b + quant::off::kQ6K_qh + 32 * n + h * kN);
      qa[h] = Bytes(b + 64 * n + h * kN);
      qb[h] = Bytes(b + 64 * n + 32 + h * kN);
    }
    for (int g = 0; g < 4; ++g)
      for (size_t h = 0; h < H; ++h) {
        const VU src = (g & 1) ? qb[h] : qa[h];
        const VU nib = g < 2 ? hn::And(src, fifteen) : hn::ShiftRight<4>(src);
        const VU q = hn::Or(nib, hn::ShiftLeft<4>(hn::And(hn::ShiftRightSame(qh[h], 2 * g), three)));
        const float dsc = d * sc[8 * n + (h * kN) / 16 + 2 * g];
        f((128 * n + 32 * g) / kN + h, Affine(q, dsc, -32.0f * dsc));
      }
  }
}

// The lanes' mask from sign bits (bit l for lane l).
HWY_INLINE hn::Mask<DF> SignMask(uint32_t bits) {
  uint8_t bytes[8] = {static_cast<uint8_t>(bits), static_cast<uint8_t>(bits >> 8)};
  return hn::LoadMaskBits(DF(), bytes);
}

// IQ2_XXS (below 16 lanes): 8 groups of 32; group ib: 4 grid indices (bytes), then a uint32 of
// four 7-bit sign indices and the 4-bit scale s; weight = d * (0.5 + s) / 4 * grid * sign.
template <class F>
HWY_INLINE void IQ2_XXS(const uint8_t* b, F&& f) {
  const DF df;
  const float d = quant::load_f16(b);
  const float(*grid)[8] = quant::iq2xxs_grid_f32.v;
  for (int ib = 0; ib < 8; ++ib) {
    const uint8_t* g = b + 2 + 8 * ib;
    const uint32_t s = quant::load_u32(g + 4);
    const float db = d * (0.5f + (s >> 28)) * 0.25f;
    const VF pos = hn::Set(df, db), neg = hn::Set(df, -db);
    uint32_t sg[4];
    for (int l = 0; l < 4; ++l) sg[l] = quant::ksigns_iq2xs[(s >> (7 * l)) & 127];
    for (int l = 0; l < 4; ++l)
      for (size_t h = 0; h < 8 / kN; ++h)
        f((32 * ib + 8 * l) / kN + h,
          hn::Mul(hn::LoadU(df, grid[g[l]] + h * kN), hn::IfThenElse(SignMask(sg[l] >> (h * kN)), neg, pos)));
  }
}

// IQ3_XXS: 64 index bytes (two 4-element points a group of 8), then per group of 32 a uint32
// of four 7-bit sign indices and the scale s; weight = d * (0.5 + s) / 2 * grid * sign.
template <class F>
HWY_INLINE void IQ3_XXS(const uint8_t* b, F&& f) {
  const DF df;
  const float d = quant::load_f16(b);
  const float(*grid)[4] = quant::iq3xxs_grid_f32.v;
  const uint8_t* qs = b + 2;
  for (int ib = 0; ib < 8; ++ib, qs += 8) {
    const uint32_t s = quant::load_u32(b + 66 + 4 * ib);
    const float db = d * (0.5f + (s >> 28)) * 0.5f;
    const VF pos = hn::Set(df, db), neg = hn::Set(df, -db);
    uint32_t sg[4];
    for (int l = 0; l < 4; ++l) sg[l] = quant::ksigns_iq2xs[(s >> (7 * l)) & 127];
    for (size_t v = 0; v < 32 / kN; ++v) {
#if DSEEK_QD_LANES == 16
      const hn::Full256<float> d8;
      const hn::Full128<float> d4;
      const uint8_t* i = qs + 4 * v;
      const VF mag = hn::Combine(df, hn::Combine(d8, hn::LoadU(d4, grid[i[3]]), hn::LoadU(d4, grid[i[2]])),
                                 hn::Combine(d8, hn::LoadU(d4, grid[i[1]]), hn::LoadU(d4, grid[i[0]])));
#elif DSEEK_QD_LANES == 8
      const VF mag = hn::Combine(df, hn::LoadU(hn::Half<DF>(), grid[qs[2 * v + 1]]), hn::LoadU(hn::Half<DF>(), grid[qs[2 * v]]));
#else
      const VF mag = hn::LoadU(df, grid[qs[v]]);
#endif
      const uint32_t bits = kN == 16 ? (sg[2 * v] | (sg[2 * v + 1] << 8)) : kN == 8 ? sg[v] : (sg[v / 2] >> (4 * (v % 2)));
      f(ib * (32 / kN) + v, hn::Mul(mag, hn::IfThenElse(SignMask(bits), neg, pos)));
    }
  }
}

// IQ1_S: 8 groups of 32; group ib: 4 grid-index low bytes, qh[ib] with 3 high bits per point,
// a 3-bit scale and the delta sign; weight = d * (2s + 1) * (grid + delta).
template <class F>
HWY_INLINE void IQ1_S(const uint8_t* b, F&& f) {
  const float d = quant::load_f16(b);
  const uint8_t* qs = b + 2;
  for (int ib = 0; ib < 8; ++ib, qs += 4) {
    const uint16_t qh = quant::load_u16(b + quant::off::kIQ1S_qh + 2 * ib);
    const float dl = d * (2 * ((qh >> 12) & 7) + 1);
    const float delta = qh & 0x8000 ? -quant::IQ1S_DELTA : quant::IQ1S_DELTA;
    uint64_t g[4];
    for (int l = 0; l < 4; ++l) g[l] = quant::iq1s_grid[qs[l] | (((qh >> (3 * l)) & 7) << 8)];
    for (size_t v = 0; v < 32 / kN; ++v) {
#if DSEEK_QD_LANES == 16
      const hn::Full128<uint64_t> d64;
      const hn::Full64<uint64_t> d64h;
      const auto bytes = hn::Combine(d64, hn::Set(d64h, g[2 * v + 1]), hn::Set(d64h, g[2 * v]));
      const hn::Vec<DI> q = hn::PromoteTo(DI(), hn::BitCast(hn::Full128<int8_t>(), bytes));
#elif DSEEK_QD_LANES == 8
      const hn::Vec<DI> q = hn::PromoteTo(DI(), hn::BitCast(hn::Full64<int8_t>(), hn::Set(hn::Full64<uint64_t>(), g[v])));
#else
      const uint32_t part = static_cast<uint32_t>(g[v / 2] >> (32 * (v % 2)));
      const hn::Vec<DI> q = hn::PromoteTo(DI(), hn::BitCast(hn::Full32<int8_t>(), hn::Set(hn::Full32<uint32_t>(), part)));
#endif
      f(ib * (32 / kN) + v, hn::MulAdd(hn::ConvertTo(DF(), q), hn::Set(DF(), dl), hn::Set(DF(), dl * delta)));
    }
  }
}

#if DSEEK_QD_LANES == 16
// ---- 16 lanes (AVX-512): table lookups instead of convert-and-scale ------------------------
// A 4-bit code indexes a 16-entry table of the block's values (code * scale + offset, or the
// IQ4 levels times the scale), built once a group with one FMA; vpermps reads only the low 4
// bits of each index lane, so a code needs no mask. The tables hold exactly the values the
// generic decoders compute.
using DU8 = hn::Repartition<uint8_t, DF>;  // 64 bytes

HWY_INLINE VF Lut16(VF table, VU idx) {
#if HWY_ARCH_X86
  return VF{_mm512_permutexvar_ps(idx.raw, table.raw)};  // index bits 4.. ignored
#else
  return hn::TableLookupLanes(table, hn::IndicesFromVec(DF(), hn::BitCast(DI(), hn::And(idx, hn::Set(DU(), 15)))));
#endif
}
HWY_INLINE hn::Mask<DF> MaskFromBits(uint32_t bits) {
#if HWY_ARCH_X86
  return hn::Mask<DF>{static_cast<__mmask16>(bits)};
#else
  return SignMask(bits);
#endif
}
HWY_INLINE VF Iota() { return hn::Iota(DF(), 0.0f); }

// Q4_0: table (i - 8) * d; Q4_1: i * d + m.
template <bool kMin, class F>
HWY_INLINE void Q4_01Lut(const uint8_t* b, F&& f) {
  const VF d = F16Splat(b);
  const VF table = kMin ? hn::MulAdd(Iota(), d, F16Splat(b + 2)) : hn::Mul(hn::Sub(Iota(), hn::Set(DF(), 8.0f)), d);
  const VU q = Bytes(b + (kMin ? 4 : 2));
  f(0, Lut16(table, q));
  f(1, Lut16(table, hn::ShiftRight<4>(q)));
}

// Two-phase decoders: Prep* writes what a block's vectors need besides its codes (scales
// as floats, Q6_K's assembled codes) to a small buffer, Dec* reads it back as broadcast loads.
// A kernel preps the blocks of all its rows before decoding any: a load right after the
// wide store that wrote it cannot be forwarded and would stall until the store retires.

// Q4_K: the 8 scales and mins unpacked at once (ggml's 32-bit mask trick), times d and -dmin
// in one multiply: p[0..7] = d * sc, p[8..15] = -dmin * m.
HWY_INLINE void PrepQ4_K(const uint8_t* b, float* p) {
  const DF df;
  uint32_t u0 = quant::load_u32(b + 4), u1 = quant::load_u32(b + 8), u2 = quant::load_u32(b + 12);
  const uint32_t m1 = 0x3f3f3f3fu, m2 = 0x0f0f0f0fu, m3 = 0x03030303u;
  const uint32_t u3 = ((u2 >> 4) & m2) | (((u1 >> 6) & m3) << 4);
  const uint32_t mins_lo = u1 & m1;
  u1 = (u2 & m2) | (((u0 >> 6) & m3) << 4);
  u2 = mins_lo;
  u0 &= m1;  // u0, u1: the 8 scales, u2, u3: the 8 mins
  // Into a vector through registers (a 16-byte load of scalar stores would stall too).
  const hn::Full64<uint64_t> d64;
  const auto packed = hn::Combine(hn::Full128<uint64_t>(), hn::Set(d64, u2 | (uint64_t{u3} << 32)),
                                  hn::Set(d64, u0 | (uint64_t{u1} << 32)));
  const VF mult = hn::IfThenElse(hn::FirstN(df, 8), F16Splat(b), hn::Neg(F16Splat(b + 2)));
  hn::Store(hn::Mul(ToF(hn::PromoteTo(DU(), hn::BitCast(hn::Full128<uint8_t>(), packed))), mult), df, p);
}

// Q4_K: a table a group of 32: p[g] * i + p[8 + g].
template <class F>
HWY_INLINE void DecQ4_K(const uint8_t* b, const float* p, F&& f) {
  const DF df;
  const uint8_t* qs = b + 16;
  for (int c = 0; c < 4; ++c) {
    const VF t0 = hn::MulAdd(Iota(), hn::Set(df, p[2 * c]), hn::Set(df, p[8 + 2 * c]));
    const VF t1 = hn::MulAdd(Iota(), hn::Set(df, p[2 * c + 1]), hn::Set(df, p[9 + 2 * c]));
    const VU q0 = Bytes(qs + 32 * c), q1 = Bytes(qs + 32 * c + 16);
    f(4 * c, Lut16(t0, q0));
    f(4 * c + 1, Lut16(t0, q1));
    f(4 * c + 2, Lut16(t1, hn::ShiftRight<4>(q0)));
    f(4 * c + 3, Lut16(t1, hn::ShiftRight<4>(q1)));
  }
}

// Q5_K: Q4_K's scales; the 5-bit codes converted (a 32-entry table would need two lookups).
template <class F>
HWY_INLINE void DecQ5_K(const uint8_t* b, const float* p, F&& f) {
  const DF df;
  const uint8_t* qs = b + quant::off::kQ5K_qs;
  const VU fifteen = hn::Set(DU(), 15), one = hn::Set(DU(), 1);
  const VU qh[2] = {Bytes(b + quant::off::kQ5K_qh), Bytes(b + quant::off::kQ5K_qh + 16)};
  for (int c = 0; c < 4; ++c) {
    const VU q[2] = {Bytes(qs + 32 * c), Bytes(qs + 32 * c + 16)};
    for (int hi = 0; hi < 2; ++hi) {
      const int g = 2 * c + hi;
      const VF d1 = hn::Set(df, p[g]), o1 = hn::Set(df, p[8 + g]);
      for (int h = 0; h < 2; ++h) {
        const VU nib = hi ? hn::ShiftRight<4>(q[h]) : hn::And(q[h], fifteen);
        const VU v = hn::Or(nib, hn::ShiftLeft<4>(hn::And(hn::ShiftRightSame(qh[h], g), one)));
        f(2 * g + h, hn::MulAdd(ToF(v), d1, o1));
      }
    }
  }
}

// Q2_K: p[0..15] = d * sc_g, p[16..31] = -dmin * m_g.
HWY_INLINE void PrepQ2_K(const uint8_t* b, float* p) {
  const DF df;
  const VU sc = Bytes(b);
  hn::Store(hn::Mul(ToF(hn::And(sc, hn::Set(DU(), 15))), F16Splat(b + quant::off::kQ2K_d)), df, p);
  hn::Store(hn::Mul(ToF(hn::ShiftRight<4>(sc)), hn::Neg(F16Splat(b + quant::off::kQ2K_dmin))), df, p + 16);
}

// Q2_K: a table a group of 16, entry i = p[g] * (i & 3) + p[16 + g]: the index is the byte
// shifted right by 2j, whose low 4 bits hold the group's 2-bit code (and the next code, which
// the table ignores), so a code takes one shift and one lookup.
template <class F>
HWY_INLINE void DecQ2_K(const uint8_t* b, const float* p, F&& f) {
  const DF df;
  const VF iota3 = ToF(hn::And(hn::Iota(DU(), 0), hn::Set(DU(), 3)));
  for (int n = 0; n < 2; ++n) {
    const VU q0 = Bytes(b + 16 + 32 * n), q1 = Bytes(b + 32 + 32 * n);
    for (int j = 0; j < 4; ++j) {
      const int g = 8 * n + 2 * j;
      f(g, Lut16(hn::MulAdd(iota3, hn::Set(df, p[g]), hn::Set(df, p[16 + g])), hn::ShiftRightSame(q0, 2 * j)));
      f(g + 1, Lut16(hn::MulAdd(iota3, hn::Set(df, p[g + 1]), hn::Set(df, p[17 + g])), hn::ShiftRightSame(q1, 2 * j)));
    }
  }
}

// Q6_K: the 6-bit codes of 128 elements assembled 64 bytes at a time (element order) into
// p's bytes 128..383; p[0..15] = d * sc_i (vector i of the block has scale sc_i), p[16..31] =
// -32 times that.
HWY_INLINE void PrepQ6_K(const uint8_t* b, float* p) {
  const DF df;
  const DU8 d8;
  const hn::Half<DU8> d8h;
  const VF ds = hn::Mul(hn::ConvertTo(df, hn::PromoteTo(DI(), hn::LoadU(hn::Rebind<int8_t, DF>(),
                                                                        reinterpret_cast<const int8_t*>(b + quant::off::kQ6K_scales)))),
                        F16Splat(b + quant::off::kQ6K_d));
  hn::Store(ds, df, p);
  hn::Store(hn::Mul(ds, hn::Set(df, -32.0f)), df, p + 16);
  uint8_t* codes = reinterpret_cast<uint8_t*>(p + 32);
  const auto lo4 = hn::Set(d8, 0x0F), b01 = hn::Set(d8, 0x03), b45 = hn::Set(d8, 0x30);
  for (int n = 0; n < 2; ++n) {
    const auto ql = hn::LoadU(d8, b + 64 * n);
    const auto h = hn::LoadU(d8h, b + quant::off::kQ6K_qh + 32 * n);
    const auto qh = hn::Combine(d8, hn::ShiftRight<2>(h), h);  // lanes 32.. hold qh >> 2
    // lanes 0..31: elements l (bits 0-1 of qh), 32..63: 32 + l (bits 2-3)
    hn::Store(hn::Or(hn::And(ql, lo4), hn::ShiftLeft<4>(hn::And(qh, b01))), d8, codes + 128 * n);
    // lanes 0..31: 64 + l (bits 4-5), 32..63: 96 + l (bits 6-7)
    hn::Store(hn::Or(hn::ShiftRight<4>(ql), hn::And(qh, b45)), d8, codes + 128 * n + 64);
  }
}

template <class F>
HWY_INLINE void DecQ6_K(const uint8_t*, const float* p, F&& f) {
  const DF df;
  const uint8_t* codes = reinterpret_cast<const uint8_t*>(p + 32);
  for (int i = 0; i < 16; ++i) f(i, hn::MulAdd(ToF(Bytes(codes + 16 * i)), hn::Set(df, p[i]), hn::Set(df, p[16 + i])));
}

// IQ4_NL / IQ4_XS: one lookup a weight, the table being the 16 levels times the scale (exact
// products).
alignas(64) static constexpr float kIQ4Levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                                     1,    13,   25,  38,  53,  69,  89,  113};
template <class F>
HWY_INLINE void DecIQ4_NL(const uint8_t* b, F&& f) {
  const VF table = hn::Mul(hn::Load(DF(), kIQ4Levels), F16Splat(b));
  const VU q = Bytes(b + 2);
  f(0, Lut16(table, q));
  f(1, Lut16(table, hn::ShiftRight<4>(q)));
}

// IQ4_XS: a table a group of 32, the levels times d * (scale - 32).
template <class F>
HWY_INLINE void DecIQ4_XS(const uint8_t* b, F&& f) {
  const DF df;
  const VF levels = hn::Load(df, kIQ4Levels);
  const VF d = F16Splat(b);
  const uint16_t sh = quant::load_u16(b + 2);
  for (int ib = 0; ib < 8; ++ib) {
    const int ls = ((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4);
    const VF table = hn::Mul(levels, hn::Mul(d, hn::Set(df, static_cast<float>(ls - 32))));
    const VU q = Bytes(b + 8 + 16 * ib);
    f(2 * ib, Lut16(table, q));
    f(2 * ib + 1, Lut16(table, hn::ShiftRight<4>(q)));
  }
}

// IQ2_XXS: for group ib, p[2 ib + 1] = db = d * (0.5 + s) / 4 (s: the top 4 bits of the
// group's second uint32), p[16 + 2 ib + 1] = -db, and as uint32 at p[32 + 2 ib + 1] the group's
// 32 sign bits: its four 7-bit sign fields spread into bytes, each byte's parity as its 8th
// bit (what ksigns_iq2xs tabulates). All 8 groups at once, the uint32 pairs as 16 lanes.
HWY_INLINE void PrepIQ2_XXS(const uint8_t* b, float* p) {
  const DF df;
  const VU words = hn::LoadU(DU(), reinterpret_cast<const uint32_t*>(b + 2));
  const VF db = hn::Mul(hn::Mul(hn::Add(ToF(hn::ShiftRight<28>(words)), hn::Set(df, 0.5f)), hn::Set(df, 0.25f)), F16Splat(b));
  hn::Store(db, df, p);
  hn::Store(hn::Neg(db), df, p + 16);
  const VU v = hn::Or(hn::Or(hn::And(words, hn::Set(DU(), 0x7Fu)), hn::And(hn::ShiftLeft<1>(words), hn::Set(DU(), 0x7F00u))),
                      hn::Or(hn::And(hn::ShiftLeft<2>(words), hn::Set(DU(), 0x7F0000u)),
                             hn::And(hn::ShiftLeft<3>(words), hn::Set(DU(), 0x7F000000u))));
  const VU a = hn::Xor(hn::Xor(v, hn::ShiftRight<1>(v)), hn::ShiftRight<2>(v));  // bit 0: b0^b1^b2, bit 3: b3^b4^b5
  const VU par = hn::Xor(hn::Xor(a, hn::ShiftRight<3>(a)), hn::ShiftRight<6>(v));  // bit 0 of each byte: parity
  hn::Store(hn::Or(v, hn::ShiftLeft<7>(hn::And(par, hn::Set(DU(), 0x01010101u)))), DU(), reinterpret_cast<uint32_t*>(p + 32));
}

// IQ2_XXS: two grid points (8 magnitudes each, from the fp32 grid) a vector, times -db or db
// as the sign bits choose.
template <class F>
HWY_INLINE void PairIQ2_XXS(const uint8_t* b, const float* p, int ib, F&& f);
template <class F>
HWY_INLINE void DecIQ2_XXS(const uint8_t* b, const float* p, F&& f) {
  for (int ib = 0; ib < 8; ++ib) PairIQ2_XXS(b, p, ib, [&](size_t h, VF w) { f(2 * ib + h, w); });
}

// ---- Pair decoder (16 lanes): vectors 2p and 2p + 1 of a block (32 columns) on their own, so
// that a kernel can load those columns of x once and decode the pair for all its rows. Only
// IQ2_XXS gains (its decode is load-bound: grid points, signs, scales); the others measured
// the same or slower than a block at a time.
template <class F>
HWY_INLINE void PairIQ2_XXS(const uint8_t* b, const float* p, int ib, F&& f) {
  const DF df;
  const hn::Half<DF> dh;
  const float(*grid)[8] = quant::iq2xxs_grid_f32.v;
  const uint8_t* g = b + 2 + 8 * ib;
  const uint32_t sg = reinterpret_cast<const uint32_t*>(p + 32)[2 * ib + 1];
  const VF pos = hn::Set(df, p[2 * ib + 1]), neg = hn::Set(df, p[16 + 2 * ib + 1]);
  const VF m0 = hn::Combine(df, hn::LoadU(dh, grid[g[1]]), hn::LoadU(dh, grid[g[0]]));
  f(0, hn::Mul(m0, hn::IfThenElse(MaskFromBits(sg & 0xFFFF), neg, pos)));
  const VF m1 = hn::Combine(df, hn::LoadU(dh, grid[g[3]]), hn::LoadU(dh, grid[g[2]]));
  f(1, hn::Mul(m1, hn::IfThenElse(MaskFromBits(sg >> 16), neg, pos)));
}

#endif  // DSEEK_QD_LANES == 16

#endif  // DSEEK_QD_LANES >= 4

// ---- F4_E2M1 (DeepSeek-V4's experts): 32 columns = 16 bytes of codes (column c in the low
// nibble of byte c / 2 when c is even, the high nibble when odd) + one E8M0 scale 2^e. A weight
// is e2m1(code) * 2^e, exact in fp32: a 16-entry table of the e2m1 values times the scale (one
// multiply a block), then one lookup a weight.
//   The codes in column order: the 16 bytes interleaved with themselves shifted right by 4,
//   so that code c sits in the low nibble of byte c (the high nibbles hold other codes' bits,
//   which the lookups never read), then widened to 32-bit lanes.
//   16 lanes: vpermps on the 16-entry table (it reads the index's low 4 bits only).
//   8 lanes: the magnitude (low 3 bits) from the table's first 8 entries, the sign (bit 3)
//   moved onto bit 31.
//   Other targets: the 32 values through an L1 buffer (the same values).
template <class F>
HWY_INLINE void DecF4(const uint8_t* b, uint8_t e, F&& f) {
  const DF df;
#if DSEEK_QD_LANES == 16 || DSEEK_QD_LANES == 8
  const hn::Full128<uint8_t> d16;
  const auto lo = hn::LoadU(d16, b);
  const auto hi = hn::BitCast(d16, hn::ShiftRight<4>(hn::BitCast(hn::Full128<uint16_t>(), lo)));
  const auto c0 = hn::InterleaveLower(d16, lo, hi), c1 = hn::InterleaveUpper(d16, lo, hi);  // columns 0..15, 16..31
  const VF s = hn::Set(df, kE8M0Table[e]);
#if DSEEK_QD_LANES == 16
  const VF table = hn::Mul(hn::Load(df, kE2M1Values), s);
  f(0, Lut16(table, hn::PromoteTo(DU(), c0)));
  f(1, Lut16(table, hn::PromoteTo(DU(), c1)));
#else
  const VF mag = hn::Mul(hn::Load(df, kE2M1Values), s);  // the first 8 entries: the magnitudes
  const VU low3 = hn::Set(DU(), 7), sign_bit = hn::Set(DU(), 0x80000000u);
  const hn::Full64<uint8_t> d8;
  auto lookup = [&](size_t h, VU q) {
    const VF m = hn::TableLookupLanes(mag, hn::IndicesFromVec(df, hn::BitCast(DI(), hn::And(q, low3))));
    f(h, hn::Xor(m, hn::BitCast(df, hn::And(hn::ShiftLeft<28>(q), sign_bit))));
  };
  lookup(0, hn::PromoteTo(DU(), hn::LowerHalf(d8, c0)));
  lookup(1, hn::PromoteTo(DU(), hn::UpperHalf(d8, c0)));
  lookup(2, hn::PromoteTo(DU(), hn::LowerHalf(d8, c1)));
  lookup(3, hn::PromoteTo(DU(), hn::UpperHalf(d8, c1)));
#endif
#else
  const size_t N = hn::Lanes(df);
  alignas(64) float buf[32];
  const float s = kE8M0Table[e];
  for (int c = 0; c < 32; ++c) buf[c] = kE2M1Values[(b[c / 2] >> (4 * (c & 1))) & 15] * s;
  for (size_t i = 0; i * N < 32; ++i) f(i, hn::Load(df, buf + i * N));
#endif
}

#if DSEEK_QD_LANES == 16
// F4_E2M1 for the matrix-vector tiles, 16 lanes: f(0, the block's even columns 0, 2, .., 30),
// f(1, its odd columns) — the byte holding columns 2j and 2j + 1 widened once to lane j, its
// low nibble (vpermps reads bits 0-3) and then the value shifted right by 4. Three shuffles
// for 32 weights instead of DecF4's six; the caller's x is in the same order
// (PermuteForF4Split).
template <class F>
HWY_INLINE void DecF4Split(const uint8_t* b, uint8_t e, F&& f) {
  const DF df;
  const VU q = hn::PromoteTo(DU(), hn::LoadU(hn::Full128<uint8_t>(), b));
  const VF table = hn::Mul(hn::Load(df, kE2M1Values), hn::Set(df, kE8M0Table[e]));
  f(0, Lut16(table, q));
  f(1, Lut16(table, hn::ShiftRight<4>(q)));
}
#else
// Other lane counts decode in column order (kF4Split is false there; this only names it).
template <class F>
HWY_INLINE void DecF4Split(const uint8_t* b, uint8_t e, F&& f) {
  DecF4(b, e, f);
}
#endif

// x [T, K] (K a multiple of 32) -> xp in DecF4Split's order: in each 32-column block the 16
// even columns, then the 16 odd ones.
inline void PermuteForF4Split(const float* x, int64_t T, int64_t K, float* xp) {
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k0 = 0; k0 < K; k0 += 32)
      for (int64_t i = 0; i < 16; ++i) {
        xp[t * K + k0 + i] = x[t * K + k0 + 2 * i];
        xp[t * K + k0 + 16 + i] = x[t * K + k0 + 2 * i + 1];
      }
}

}  // namespace qd

// Floats of a block's prep buffer (0: the type decodes in one phase on this target).
template <DType kType>
constexpr size_t PrepFloats() {
#if DSEEK_QD_LANES == 16
  switch (kType) {
    case DType::Q4_K: case DType::Q5_K: return 16;
    case DType::Q2_K: return 32;
    case DType::Q6_K: return 32 + 64;
    case DType::IQ2_XXS: return 48;
    default: return 0;
  }
#else
  return 0;
#endif
}

// Phase 1 of a two-phase decode: the block's prep buffer (PrepFloats() floats, 64-byte aligned).
template <DType kType>
HWY_INLINE void PrepBlock(const uint8_t* blk, float* prep) {
#if DSEEK_QD_LANES == 16
  using namespace qd;
  if constexpr (kType == DType::Q4_K || kType == DType::Q5_K) PrepQ4_K(blk, prep);
  if constexpr (kType == DType::Q2_K) PrepQ2_K(blk, prep);
  if constexpr (kType == DType::Q6_K) PrepQ6_K(blk, prep);
  if constexpr (kType == DType::IQ2_XXS) PrepIQ2_XXS(blk, prep);
#endif
  (void)blk;
  (void)prep;
}

// Phase 2: f(i, w) for the block's vectors in order (see the top of the file), reading the
// prep buffer PrepBlock wrote (unused when PrepFloats() is 0).
template <DType kType, class F>
HWY_INLINE void DecodePrepped(const uint8_t* blk, const float* prep, F&& f) {
  using namespace qd;
#if DSEEK_QD_LANES < 4
  (void)prep;
  Buffered<kType>(blk, f);
#else
#if DSEEK_QD_LANES == 16
  if constexpr (kType == DType::Q4_0) {
    Q4_01Lut<false>(blk, f);
  } else if constexpr (kType == DType::Q4_1) {
    Q4_01Lut<true>(blk, f);
  } else if constexpr (kType == DType::Q4_K) {
    DecQ4_K(blk, prep, f);
  } else if constexpr (kType == DType::Q5_K) {
    DecQ5_K(blk, prep, f);
  } else if constexpr (kType == DType::Q2_K) {
    DecQ2_K(blk, prep, f);
  } else if constexpr (kType == DType::Q6_K) {
    DecQ6_K(blk, prep, f);
  } else if constexpr (kType == DType::IQ2_XXS) {
    DecIQ2_XXS(blk, prep, f);
  } else if constexpr (kType == DType::IQ4_XS) {
    DecIQ4_XS(blk, f);
  } else if constexpr (kType == DType::IQ4_NL) {
    DecIQ4_NL(blk, f);
  } else
#endif
  if constexpr (kType == DType::Q4_0) {
    Q4_01<false>(blk, f);
  } else if constexpr (kType == DType::Q4_1) {
    Q4_01<true>(blk, f);
  } else if constexpr (kType == DType::Q5_0) {
    Q5_01<false>(blk, f);
  } else if constexpr (kType == DType::Q5_1) {
    Q5_01<true>(blk, f);
  } else if constexpr (kType == DType::Q8_0) {
    Q8_0(blk, f);
  } else if constexpr (kType == DType::Q2_K) {
    Q2_K(blk, f);
  } else if constexpr (kType == DType::Q3_K) {
    Q3_K(blk, f);
  } else if constexpr (kType == DType::Q4_K) {
    Q45_K<false>(blk, f);
  } else if constexpr (kType == DType::Q5_K) {
    Q45_K<true>(blk, f);
  } else if constexpr (kType == DType::Q6_K) {
    Q6_K(blk, f);
  } else if constexpr (kType == DType::IQ2_XXS) {
    IQ2_XXS(blk, f);
  } else if constexpr (kType == DType::IQ3_XXS) {
    IQ3_XXS(blk, f);
  } else if constexpr (kType == DType::IQ1_S) {
    IQ1_S(blk, f);
  } else {
    Buffered<kType>(blk, f);
  }
  (void)prep;
#endif
}

// True where DecodePair has a decoder of its own (16 lanes); kernels then iterate pairs
// outermost. (The result is the same either way; only the speed differs.)
template <DType kType>
constexpr bool HasPairDecoder() {
#if DSEEK_QD_LANES == 16
  return kType == DType::IQ2_XXS;
#else
  return false;
#endif
}

// Vectors 2 pr and 2 pr + 1 of a prepped block: f(0, w) and f(1, w) (HasPairDecoder types).
template <DType kType, class F>
HWY_INLINE void DecodePair(const uint8_t* blk, const float* prep, int pr, F&& f) {
#if DSEEK_QD_LANES == 16
  static_assert(kType == DType::IQ2_XXS, "HasPairDecoder types only");
  qd::PairIQ2_XXS(blk, prep, pr, f);
#else
  (void)blk, (void)prep, (void)pr, (void)f;
#endif
}

// Dequantises the block at blk: f(i, w) for its vectors in order (one block on its own: both
// phases back to back).
template <DType kType, class F>
HWY_INLINE void DecodeBlock(const uint8_t* blk, F&& f) {
  if constexpr (PrepFloats<kType>() == 0) {
    DecodePrepped<kType>(blk, nullptr, f);
  } else {
    HWY_ALIGN float prep[PrepFloats<kType>()];
    PrepBlock<kType>(blk, prep);
    qd::ScalesFromMemory();
    DecodePrepped<kType>(blk, prep, f);
  }
}

// The scales of row `row` where a type keeps them apart from its blocks (F4_E2M1's E8M0
// bytes), else null.
template <DType kType>
HWY_INLINE const uint8_t* RowScales(const GemmArgs& a, int64_t row) {
  if constexpr (kType == DType::F4_E2M1) return a.scale_e8m0 + row * (a.cols / BlockElems(kType));
  (void)a, (void)row;
  return nullptr;
}

// Block b of a row (codes at `row`, scales apart at `scales` = RowScales): f(i, w) as
// DecodePrepped gives them, for every block type F4_E2M1 included.
template <DType kType, class F>
HWY_INLINE void DecodeRowBlock(const uint8_t* row, const uint8_t* scales, int64_t b, const float* prep, F&& f) {
  if constexpr (kType == DType::F4_E2M1) {
    qd::DecF4(row + b * BlockBytes(kType), scales[b], f);
    (void)prep;
  } else {
    DecodePrepped<kType>(row + b * BlockBytes(kType), prep, f);
    (void)scales;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#endif  // DSEEK_KERNELS_QUANT_DEQUANT_INL_H_
