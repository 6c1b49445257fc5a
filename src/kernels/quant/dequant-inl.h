// Per-target SIMD decoders of ggml's block types (Highway's -inl.h idiom: included once per
// target from the kernels that foreach_target.h re-includes, like load_weights-inl.h).
//
// DecodeBlock<kType>(blk, f) dequantises one block (32 or 256 weights) straight into vectors
// and calls f(i, w) for i = 0, 1, ... in order, w holding elements [i * N, (i + 1) * N) of the
// block. Every value is exactly dequant_row_ref's (= ggml's to_float): the products of an
// fp16 scale and a few-bit integer are exact in fp32, so each weight is computed with one
// rounding (an FMA of code, scale and offset), as ggml's expression rounds it. The kernels
// multiply these exact weights, so a block-type product has the chain of an F32 matrix
// holding the dequantised weights.
//
// Vector decoders cover 4 to 16 lanes (SSE4/NEON to AVX-512); the IQ4 lookups need 16 lanes.
// Other targets decode through dequant_row_ref into an L1 buffer (same values).
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
      return true;
    default:
      return false;
  }
}
constexpr int64_t BlockElems(DType t) {
  switch (t) {
    case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: case DType::Q8_0: case DType::IQ4_NL:
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
// FP8, BF16, F16, every ggml block type; anything else is read as F32.
template <class F>
HWY_INLINE void VisitWeightType(DType t, F&& f) {
#define DSEEK_VISIT(T) \
  case DType::T: return f(std::integral_constant<DType, DType::T>{});
  switch (t) {
    DSEEK_VISIT(F8_E4M3) DSEEK_VISIT(BF16) DSEEK_VISIT(F16)
    DSEEK_VISIT(Q4_0) DSEEK_VISIT(Q4_1) DSEEK_VISIT(Q5_0) DSEEK_VISIT(Q5_1) DSEEK_VISIT(Q8_0)
    DSEEK_VISIT(Q2_K) DSEEK_VISIT(Q3_K) DSEEK_VISIT(Q4_K) DSEEK_VISIT(Q5_K) DSEEK_VISIT(Q6_K)
    DSEEK_VISIT(IQ2_XXS) DSEEK_VISIT(IQ3_XXS) DSEEK_VISIT(IQ1_S) DSEEK_VISIT(IQ4_NL) DSEEK_VISIT(IQ4_XS)
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
constexpr bool kVec = kN >= 4;
constexpr bool kVec16 = kN == 16;

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
  const auto d = hn::Set(df, quant::load_f16(b));
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

// The 16 lanes of a mask from two sign bytes (kN 16), one (8) or half of one (4).
HWY_INLINE hn::Mask<DF> SignMask(uint32_t bits) {
  uint8_t bytes[8] = {static_cast<uint8_t>(bits), static_cast<uint8_t>(bits >> 8)};
  return hn::LoadMaskBits(DF(), bytes);
}

// IQ2_XXS: 8 groups of 32; group ib: 4 grid indices (bytes), then a uint32 of four 7-bit sign
// indices and the 4-bit scale s; weight = d * (0.5 + s) / 4 * grid * sign.
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
#if DSEEK_QD_LANES == 16
    {
      const hn::Half<DF> dh;
      for (int v = 0; v < 2; ++v) {
        const VF mag = hn::Combine(df, hn::LoadU(dh, grid[g[2 * v + 1]]), hn::LoadU(dh, grid[g[2 * v]]));
        f(2 * ib + v, hn::Mul(mag, hn::IfThenElse(SignMask(sg[2 * v] | (sg[2 * v + 1] << 8)), neg, pos)));
      }
    }
#else
    {
      for (int l = 0; l < 4; ++l)
        for (size_t h = 0; h < 8 / kN; ++h)
          f((32 * ib + 8 * l) / kN + h,
            hn::Mul(hn::LoadU(df, grid[g[l]] + h * kN), hn::IfThenElse(SignMask(sg[l] >> (h * kN)), neg, pos)));
    }
#endif
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

// IQ4_NL / IQ4_XS (16 lanes): one table lookup a weight, the table being the 16 levels times
// the block's scale (exact products).
HWY_INLINE VF Lut(VF table, VU idx) { return hn::TableLookupLanes(table, hn::IndicesFromVec(DF(), hn::BitCast(DI(), idx))); }

template <class F>
HWY_INLINE void IQ4Group(const uint8_t* qs, float dl, size_t i0, F&& f) {
  alignas(64) static constexpr float kLevels[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                                    1,    13,   25,  38,  53,  69,  89,  113};
  const VF table = hn::Mul(hn::Load(DF(), kLevels), hn::Set(DF(), dl));
  const VU q = Bytes(qs);
  f(i0, Lut(table, hn::And(q, hn::Set(DU(), 15))));
  f(i0 + 1, Lut(table, hn::ShiftRight<4>(q)));
}

template <class F>
HWY_INLINE void IQ4_XS(const uint8_t* b, F&& f) {
  const float d = quant::load_f16(b);
  const uint16_t sh = quant::load_u16(b + 2);
  for (int ib = 0; ib < 8; ++ib) {
    const int ls = ((b[4 + ib / 2] >> (4 * (ib % 2))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4);
    IQ4Group(b + 8 + 16 * ib, d * (ls - 32), 2 * ib, f);
  }
}

#endif  // DSEEK_QD_LANES >= 4

}  // namespace qd

// Dequantises the block at blk: f(i, w) for its vectors in order (see the top of the file).
template <DType kType, class F>
HWY_INLINE void DecodeBlock(const uint8_t* blk, F&& f) {
  using namespace qd;
#if DSEEK_QD_LANES < 4
  Buffered<kType>(blk, f);
#else
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
  } else if constexpr (kType == DType::IQ4_NL && kVec16) {
    IQ4Group(blk + 2, quant::load_f16(blk), 0, f);
  } else if constexpr (kType == DType::IQ4_XS && kVec16) {
    IQ4_XS(blk, f);
  } else {
    Buffered<kType>(blk, f);
  }
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#endif  // DSEEK_KERNELS_QUANT_DEQUANT_INL_H_
