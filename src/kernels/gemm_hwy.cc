// SIMD matrix kernels over weights as shipped, written once with Highway and dispatched at
// run time to the best target the CPU has (AVX2/F16C, AVX-512, NEON, ...).
//
// y[t, j] = sum_k x[t, k] * W[r0 + j, k], the decode kernels (vectorised along k; weights
// decoded by load_weights-inl.h, ggml block types by quant/dequant-inl.h). The prefill GEMM is
// gemm_prefill_hwy.cc.
//
// Determinism: every output element is one fixed-order chain — lane-wise FMA over k (FP8:
// per 128-column scale block, then scaled into the accumulator), then a fixed lane reduction —
// whatever the tile it was computed in, the token count T or the thread split. Batched decode
// therefore equals single-sequence decode bit for bit. Block types (Q8_0, Q4_K, IQ2_XXS, ...,
// and V4's FP4 F4_E2M1) are decoded a block at a time into exact fp32 weights in registers
// (BlockTile). FP8 block scales are fp32 (V3) or E8M0 bytes (V4), read as they are stored.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL  // the FP8 tiles' table lookups (F8Lut); detected at run time like the others
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/gemm_hwy.h"
#include "kernels/load_weights-inl.h"
#include "kernels/quant/dequant-inl.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace dseek {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Decode streams the weights once from memory: each row's stream is prefetched this far ahead.
constexpr int64_t kPrefetchBytes = 1024;

// Whether kType's tiles look codes up (F8Lut: FP8 on AVX3_DL).
template <DType kType>
constexpr bool kUseF8Lut = kF8Lut && kType == DType::F8_E4M3;

// The Tile of a block type. The chain of an output element: lane-wise FMAs into two
// accumulators, the even vectors of N columns (counted from the row's start) into one, the odd
// ones into the other; then their sum, then a fixed lane reduction. (One accumulator made each
// row's block one long dependency chain: half the speed.) It does not depend on T, R or the
// tile (linear() with T >= 8 uses these tiles too, not PanelRows), so batched decode equals
// single-token decode bit for bit. Blocks are decoded into exact fp32 weights (PrepBlock for
// the R rows first — their unpacked scales go through a small buffer, and a load right after
// the store that wrote it would stall — then DecodePrepped).
//   One token: each row's block decoded into registers and multiplied as it is made; short
//   chains per row keep the FMA units busy although a row's block is decoded in one go.
//   (HasPairDecoder types go pair by pair instead, each pair of x vectors loaded once for the
//   R rows.)
//   Several tokens: 256 columns of the R rows decoded into an L1 buffer, then multiplied
//   two vectors of columns at a time into the accumulators, two tokens at a time.
// FP4 on 16 lanes: the tiles decode even / odd columns (DecF4Split) and read x permuted to
// match (Rows permutes it once a call).
template <DType kType>
constexpr bool kF4Split = kType == DType::F4_E2M1 && DSEEK_QD_LANES == 16;

template <DType kType, int R, int TT>
HWY_INLINE void BlockTile(const float* HWY_RESTRICT x, const GemmArgs& a, int64_t j0, int64_t t0,
                          float* HWY_RESTRICT y, int64_t rs) {
  const DF df;
  const size_t N = hn::Lanes(df);
  constexpr int64_t BE = BlockElems(kType), BB = BlockBytes(kType);
  constexpr size_t kPrep = PrepFloats<kType>() > 0 ? PrepFloats<kType>() : 1;
  static_assert(PrepFloats<kType>() == 0 || BE == 256, "prep is per 256-column chunk");
  // Blocks a chunk / prefetch step: 256 columns (a 256-block, or eight 32-blocks).
  constexpr int64_t kStep = 256 / BE, kStepLines = (kStep * BB + 63) / 64;
  const int64_t K = a.cols, nb = K / BE, row_bytes = nb * BB;
  const uint8_t* rows[R];
  const uint8_t* scales[R];  // F4_E2M1: each row's E8M0 scales (RowScales)
  for (int r = 0; r < R; ++r) {
    rows[r] = a.data + (a.r0 + j0 + r * rs) * row_bytes;
    scales[r] = RowScales<kType>(a, a.r0 + j0 + r * rs);
  }
  hn::Vec<DF> acc[R][TT][2];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < TT; ++t) acc[r][t][0] = acc[r][t][1] = hn::Zero(df);
  HWY_ALIGN float prep[R][kPrep];
  // As PlainTile: each row's stream a fixed distance ahead, then into the stream's next row.
  // (A macro: GCC dropped the prefetches when this was a lambda.)
#define DSEEK_BLOCK_PREFETCH(b)                                                                  \
  do {                                                                                           \
    const int64_t at_ = (b) * BB + kPrefetchBytes;                                               \
    const int64_t ahead_ = at_ < row_bytes ? at_ : at_ + (rs > 1 ? 0 : (R - 1) * row_bytes);     \
    for (int r = 0; r < R; ++r)                                                                  \
      for (int64_t l = 0; l < kStepLines; ++l) hwy::Prefetch(rows[r] + ahead_ + 64 * l);         \
    /* F4_E2M1's scales: a line (64 blocks) ahead, once a line */                                \
    if (kType == DType::F4_E2M1 && (b) % 64 == 0)                                                \
      for (int r = 0; r < R; ++r) hwy::Prefetch(scales[r] + (b) + 64);                           \
  } while (0)
  auto prep_rows = [&](int64_t b) {
    if constexpr (PrepFloats<kType>() > 0) {
      for (int r = 0; r < R; ++r) PrepBlock<kType>(rows[r] + b * BB, prep[r]);
      qd::ScalesFromMemory();
    }
  };
  if constexpr (TT == 1 && HasPairDecoder<kType>()) {
    for (int64_t b = 0; b < nb; ++b) {
      if (b % kStep == 0) DSEEK_BLOCK_PREFETCH(b);
      prep_rows(b);
      const float* xb = x + t0 * K + b * BE;
      for (int pr = 0; pr < static_cast<int>(BE / (2 * N)); ++pr) {
        const auto x0 = hn::LoadU(df, xb + 2 * pr * N), x1 = hn::LoadU(df, xb + (2 * pr + 1) * N);
        Unroll<R>([&](auto rc) {
          constexpr int r = static_cast<int>(decltype(rc)::value);
          DecodePair<kType>(rows[r] + b * BB, prep[r], pr, [&](size_t h, hn::Vec<DF> w) {
            if (h == 0) {
              acc[r][0][0] = hn::MulAdd(w, x0, acc[r][0][0]);
            } else {
              acc[r][0][1] = hn::MulAdd(w, x1, acc[r][0][1]);
            }
          });
        });
      }
    }
  } else if constexpr (TT == 1) {
    for (int64_t b = 0; b < nb; ++b) {
      if (b % kStep == 0) DSEEK_BLOCK_PREFETCH(b);
      prep_rows(b);
      const float* xb = x + t0 * K + b * BE;
      Unroll<R>([&](auto rc) {
        constexpr int r = static_cast<int>(decltype(rc)::value);
        auto fma = [&](size_t i, hn::Vec<DF> w) {
          const auto xv = hn::LoadU(df, xb + i * N);
          if (i % 2 == 0) {  // (a branch, not acc[r][0][i % 2]: the accumulators stay in registers)
            acc[r][0][0] = hn::MulAdd(w, xv, acc[r][0][0]);
          } else {
            acc[r][0][1] = hn::MulAdd(w, xv, acc[r][0][1]);
          }
        };
        if constexpr (kF4Split<kType>) {
          qd::DecF4Split(rows[r] + b * BB, scales[r][b], fma);
        } else {
          DecodeRowBlock<kType>(rows[r], scales[r], b, prep[r], fma);
        }
      });
    }
  } else {
    // Tokens two at a time over the decoded columns: 2 x R x 2 accumulators in registers, the
    // other tokens' parked in accm between column chunks.
    HWY_ALIGN float wbuf[R][256];
    HWY_ALIGN float accm[R][TT][2][hn::MaxLanes(DF())];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < TT; ++t)
        for (int h = 0; h < 2; ++h) hn::Store(hn::Zero(df), df, accm[r][t][h]);
    for (int64_t b0 = 0; b0 < nb; b0 += kStep) {
      const int64_t bn = std::min(kStep, nb - b0), kn = bn * BE;
      if constexpr (TT <= 4) DSEEK_BLOCK_PREFETCH(b0);
      prep_rows(b0);
      for (int r = 0; r < R; ++r)
        for (int64_t b = 0; b < bn; ++b)
          if constexpr (kF4Split<kType>) {
            qd::DecF4Split(rows[r] + (b0 + b) * BB, scales[r][b0 + b],
                           [&](size_t i, hn::Vec<DF> w) { hn::Store(w, df, wbuf[r] + b * BE + i * N); });
          } else {
            DecodeRowBlock<kType>(rows[r], scales[r], b0 + b, prep[r],
                                  [&](size_t i, hn::Vec<DF> w) { hn::Store(w, df, wbuf[r] + b * BE + i * N); });
          }
      const float* xb = x + t0 * K + b0 * BE;
      Unroll<(TT + 1) / 2>([&](auto gc) {
        constexpr int tg = 2 * static_cast<int>(decltype(gc)::value), tn = TT - tg < 2 ? TT - tg : 2;
        hn::Vec<DF> c[R][tn][2];
        for (int r = 0; r < R; ++r)
          for (int t = 0; t < tn; ++t)
            for (int h = 0; h < 2; ++h) c[r][t][h] = hn::Load(df, accm[r][tg + t][h]);
        for (int64_t k = 0; k < kn; k += 2 * static_cast<int64_t>(N)) {
          hn::Vec<DF> x0[tn], x1[tn];
          for (int t = 0; t < tn; ++t) {
            x0[t] = hn::LoadU(df, xb + (tg + t) * K + k);
            x1[t] = hn::LoadU(df, xb + (tg + t) * K + k + N);
          }
          for (int r = 0; r < R; ++r) {
            const auto w0 = hn::Load(df, wbuf[r] + k), w1 = hn::Load(df, wbuf[r] + k + N);
            for (int t = 0; t < tn; ++t) {
              c[r][t][0] = hn::MulAdd(w0, x0[t], c[r][t][0]);
              c[r][t][1] = hn::MulAdd(w1, x1[t], c[r][t][1]);
            }
          }
        }
        for (int r = 0; r < R; ++r)
          for (int t = 0; t < tn; ++t)
            for (int h = 0; h < 2; ++h) hn::Store(c[r][t][h], df, accm[r][tg + t][h]);
      });
    }
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < TT; ++t)
        for (int h = 0; h < 2; ++h) acc[r][t][h] = hn::Load(df, accm[r][t][h]);
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < TT; ++t)
      y[(t0 + t) * a.n + j0 + r * rs] = hn::GetLane(hn::SumOfLanes(df, hn::Add(acc[r][t][0], acc[r][t][1])));
#undef DSEEK_BLOCK_PREFETCH
}

// The Tile of FP8, BF16, F16 and F32: R rows x TT tokens; one accumulator vector per (row, token).
// The decode chain of an output element: lane-wise FMAs over k (lane l takes k = l mod N).
// FP8: within each 128-column scale block the lanes accumulate the unscaled products (AVX3_DL:
// 64 columns at a time in F8Lut's order, x permuted to match by Rows), then
// acc = blk * (scale * 256) + acc once a block — the block scale is applied per block, as
// DeepSeek's fp8_gemm does, not per weight. Then a fixed lane reduction, then the columns
// past the last full vector one by one. PanelRows computes exactly this chain.
template <DType kType, int R, int TT>
HWY_INLINE void PlainTile(const float* HWY_RESTRICT x, const GemmArgs& a, int64_t j0, int64_t t0,
                          float* HWY_RESTRICT y, int64_t rs) {
  constexpr bool kF8 = kType == DType::F8_E4M3;
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const int64_t K = a.cols, esz = BlockBytes(kType);
  const int64_t nb = (K + 127) / 128;
  const uint8_t* rows[R];
  int64_t srow[R];  // FP8: index of the row's first block scale
  for (int r = 0; r < R; ++r) {
    const int64_t row = a.r0 + j0 + r * rs;
    rows[r] = a.data + row * K * esz;
    srow[r] = (row / 128) * nb;
  }
  hn::Vec<DF> acc[R][TT];
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < TT; ++t) acc[r][t] = hn::Zero(df);
  const int64_t kv = K - K % N;
  const int64_t row_bytes = K * esz;
#if HWY_TARGET == HWY_AVX3_DL
  [[maybe_unused]] const F8Lut lut;
#endif
  for (int64_t k0 = 0; k0 < kv; k0 += 128) {
    const int64_t kend = std::min<int64_t>(k0 + 128, kv);
    // Decode streams the weights once from memory: each row asks for its next 128 columns'
    // lines a fixed distance ahead, continuing near its end into the row its stream reads
    // next: the next row (rows rs apart, see BandRows) or the same row of the next tile.
    if constexpr (TT <= 4) {
      const int64_t at = k0 * esz + kPrefetchBytes;
      const int64_t ahead = at < row_bytes ? at : at + (rs > 1 ? 0 : (R - 1) * row_bytes);
      for (int r = 0; r < R; ++r)
        for (int64_t l = 0; l < 2 * esz; ++l) hwy::Prefetch(rows[r] + ahead + 64 * l);
    }
    if constexpr (kF8) {
      hn::Vec<DF> blk[R][TT];
      for (int r = 0; r < R; ++r)
        for (int t = 0; t < TT; ++t) blk[r][t] = hn::Zero(df);
      int64_t k = k0;
#if HWY_TARGET == HWY_AVX3_DL
      for (; kUseF8Lut<kType> && k + 64 <= kend; k += 64) {  // x is in F8Lut's order here (Rows)
        hn::Vec<DF> x1[4];  // one token: its x loaded once for the R rows
        if constexpr (TT == 1)
          for (int v = 0; v < 4; ++v) x1[v] = hn::LoadU(df, x + t0 * K + k + 16 * v);
        Unroll<R>([&](auto rc) {
          constexpr int r = static_cast<int>(decltype(rc)::value);
          hn::Vec<DF> w[4];
          lut.Decode(rows[r] + k, w);
          for (int t = 0; t < TT; ++t)
            for (int v = 0; v < 4; ++v)
              blk[r][t] = hn::MulAdd(w[v], TT == 1 ? x1[v] : hn::LoadU(df, x + (t0 + t) * K + k + 16 * v), blk[r][t]);
        });
      }
#endif
      for (; k + 2 * N <= kend; k += 2 * N) {
        hn::Vec<DF> x0[TT], x1[TT];
        for (int t = 0; t < TT; ++t) {
          x0[t] = hn::LoadU(df, x + (t0 + t) * K + k);
          x1[t] = hn::LoadU(df, x + (t0 + t) * K + k + N);
        }
        for (int r = 0; r < R; ++r) {
          hn::Vec<DF> w0, w1;
          LoadF8x2(df, rows[r], k, w0, w1);
          for (int t = 0; t < TT; ++t) blk[r][t] = hn::MulAdd(w0, x0[t], blk[r][t]);
          for (int t = 0; t < TT; ++t) blk[r][t] = hn::MulAdd(w1, x1[t], blk[r][t]);
        }
      }
      for (; k < kend; k += N) {
        hn::Vec<DF> xv[TT];
        for (int t = 0; t < TT; ++t) xv[t] = hn::LoadU(df, x + (t0 + t) * K + k);
        for (int r = 0; r < R; ++r) {
          const auto w = LoadW<kType>(df, rows[r], k);
          for (int t = 0; t < TT; ++t) blk[r][t] = hn::MulAdd(w, xv[t], blk[r][t]);
        }
      }
      for (int r = 0; r < R; ++r) {
        const auto sv = hn::Set(df, fp8_block_scale(a, srow[r] + k0 / 128) * 256.0f);
        for (int t = 0; t < TT; ++t) acc[r][t] = hn::MulAdd(blk[r][t], sv, acc[r][t]);
      }
    } else {
      for (int64_t k = k0; k < kend; k += N) {
        hn::Vec<DF> xv[TT];
        for (int t = 0; t < TT; ++t) xv[t] = hn::LoadU(df, x + (t0 + t) * K + k);
        for (int r = 0; r < R; ++r) {
          const auto w = LoadW<kType>(df, rows[r], k);
          for (int t = 0; t < TT; ++t) acc[r][t] = hn::MulAdd(w, xv[t], acc[r][t]);
        }
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int t = 0; t < TT; ++t) {
      float s = hn::GetLane(hn::SumOfLanes(df, acc[r][t]));
      for (int64_t k = kv; k < K; ++k) {
        float w = ScalarW<kType>(rows[r], k);
        if constexpr (kF8) w *= fp8_block_scale(a, srow[r] + k / 128) * 256.0f;
        s = std::fma(w, x[(t0 + t) * K + k], s);  // explicit: a contraction left to the compiler differs by instantiation
      }
      y[(t0 + t) * a.n + j0 + r * rs] = s;
    }
}

template <DType kType, int R, int TT>
HWY_NOINLINE void Tile(const float* HWY_RESTRICT x, int64_t T, const GemmArgs& a, int64_t j0, int64_t t0,
                       float* HWY_RESTRICT y, int64_t rs = 1) {
  if constexpr (IsBlockType(kType)) {
    BlockTile<kType, R, TT>(x, a, j0, t0, y, rs);
  } else {
    PlainTile<kType, R, TT>(x, a, j0, t0, y, rs);
  }
}

template <DType kType, int R>
HWY_INLINE void RowTile(const float* x, int64_t T, const GemmArgs& a, int64_t j0, float* y) {
  int64_t t = 0;
  for (; t + 4 <= T; t += 4) Tile<kType, R, 4>(x, T, a, j0, t, y);
  switch (T - t) {
    case 3: Tile<kType, R, 3>(x, T, a, j0, t, y); break;
    case 2: Tile<kType, R, 2>(x, T, a, j0, t, y); break;
    case 1: Tile<kType, R, 1>(x, T, a, j0, t, y); break;
    default: break;
  }
}

// Dequantises rows j0..j0+R-1, columns [k0, k0 + kn) (kn a multiple of the lane count) into
// panel[r * kn + k - k0], with exactly the values Tile multiplies (FP8: code * 2^-8; the block
// scale is applied to the block's accumulators, so a chunk never spans two scale blocks).
template <DType kType, int R>
HWY_INLINE void DequantPanel(const GemmArgs& a, int64_t j0, int64_t k0, int64_t kn, float* HWY_RESTRICT panel) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const int64_t K = a.cols, row_bytes = ColumnBytes<kType>(K);
  for (int r = 0; r < R; ++r) {
    const uint8_t* w = a.data + (a.r0 + j0 + r) * row_bytes;
    float* dst = panel + r * kn - k0;
    int64_t k = k0;
#if HWY_TARGET == HWY_AVX3_DL
    if constexpr (kUseF8Lut<kType>) {  // the decode tiles' order and values (F8Lut)
      const F8Lut lut;
      for (; k + 64 <= k0 + kn; k += 64) {
        hn::Vec<DF> v[4];
        lut.Decode(w + k, v);
        for (int i = 0; i < 4; ++i) hn::StoreU(v[i], df, dst + k + 16 * i);
      }
    }
#endif
    for (; k < k0 + kn; k += N) hn::StoreU(LoadW<kType>(df, w, k), df, dst + k);
  }
}

// R rows x TT tokens over one panel chunk; accumulators live in acc[(t * R + r) * N].
// scale (FP8): per row, the chunk's block scale * 256 — the chunk's products are summed from
// zero and added as acc = sum * scale + acc, as Tile does per 128-column block.
template <int R, int TT>
HWY_INLINE void PanelTile(const float* HWY_RESTRICT panel, int64_t kn, const float* HWY_RESTRICT x, int64_t K,
                          int64_t k0, int64_t t0, const float* scale, float* HWY_RESTRICT acc) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  hn::Vec<DF> c[R][TT];
  for (int t = 0; t < TT; ++t)
    for (int r = 0; r < R; ++r) c[r][t] = scale ? hn::Zero(df) : hn::LoadU(df, acc + ((t0 + t) * R + r) * N);
  for (int64_t k = 0; k < kn; k += N) {
    hn::Vec<DF> xv[TT];
    for (int t = 0; t < TT; ++t) xv[t] = hn::LoadU(df, x + (t0 + t) * K + k0 + k);
    for (int r = 0; r < R; ++r) {
      const auto w = hn::LoadU(df, panel + r * kn + k);
      for (int t = 0; t < TT; ++t) c[r][t] = hn::MulAdd(w, xv[t], c[r][t]);
    }
  }
  for (int t = 0; t < TT; ++t)
    for (int r = 0; r < R; ++r) {
      float* p = acc + ((t0 + t) * R + r) * N;
      hn::StoreU(scale ? hn::MulAdd(c[r][t], hn::Set(df, scale[r]), hn::LoadU(df, p)) : c[r][t], df, p);
    }
}

// Prefill-sized products (many tokens): blocked over tokens (x block stays in L2), rows (4)
// and columns (the dequantised panel chunk stays in L1). Each output element is the same
// lane-wise FMA chain over k as in Tile — accumulators are parked in memory between column
// chunks, which is lossless — so the result equals the small-T path bit for bit.
template <DType kType>
void PanelRows(const float* x, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  constexpr int R = 8;  // rows a panel: each x vector loaded from L2 feeds 8 rows' FMAs
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  // FP8 chunks are the 128-column scale blocks.
  const int64_t K = a.cols, kv = K - K % N, KC = kType == DType::F8_E4M3 ? 128 : 256, TB = 32;
  const int64_t row_bytes = ColumnBytes<kType>(K), nb = (K + 127) / 128;
  // The token block is copied with a padded row stride: rows 4 KiB apart would all map to the
  // same L1 sets and evict each other.
  const int64_t Kp = K + 16;
  std::vector<float> panel(R * KC), acc(TB * R * N), xpack(TB * Kp);
  const int64_t j_endR = j_begin + (j_end - j_begin) / R * R;
  for (int64_t tb = 0; tb < T; tb += TB) {
    const int64_t tn = std::min(TB, T - tb);
    for (int64_t t = 0; t < tn; ++t) std::copy_n(x + (tb + t) * K, K, xpack.data() + t * Kp);
    const float* xb = xpack.data();
    for (int64_t j0 = j_begin; j0 < j_endR; j0 += R) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t k0 = 0; k0 < kv; k0 += KC) {
        const int64_t kn = std::min(KC, kv - k0);
        DequantPanel<kType, R>(a, j0, k0, kn, panel.data());
        float scl[R];
        if constexpr (kType == DType::F8_E4M3)
          for (int r = 0; r < R; ++r) scl[r] = fp8_block_scale(a, ((a.r0 + j0 + r) / 128) * nb + k0 / 128) * 256.0f;
        const float* sp = kType == DType::F8_E4M3 ? scl : nullptr;
        int64_t t = 0;
        for (; t + 2 <= tn; t += 2) PanelTile<R, 2>(panel.data(), kn, xb, Kp, k0, t, sp, acc.data());
        for (; t < tn; ++t) PanelTile<R, 1>(panel.data(), kn, xb, Kp, k0, t, sp, acc.data());
      }
      for (int64_t t = 0; t < tn; ++t)
        for (int r = 0; r < R; ++r) {
          float s = hn::GetLane(hn::SumOfLanes(df, hn::LoadU(df, acc.data() + (t * R + r) * N)));
          const int64_t row = a.r0 + j0 + r;
          const uint8_t* w = a.data + row * row_bytes;
          for (int64_t k = kv; k < K; ++k) {
            float wk = ScalarW<kType>(w, k);
            if constexpr (kType == DType::F8_E4M3) wk *= fp8_block_scale(a, (row / 128) * nb + k / 128) * 256.0f;
            s = std::fma(wk, xb[t * Kp + k], s);
          }
          y[(tb + t) * a.n + j0 + r] = s;
        }
    }
    for (int64_t j = j_endR; j < j_end; ++j) RowTile<kType, 1>(x + tb * K, tn, a, j, y + tb * a.n);
  }
}

template <DType kType>
void Rows(const float* x, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  if constexpr (kF4Split<kType> || kUseF8Lut<kType>) {
    thread_local std::vector<float> xp;
    xp.resize(static_cast<size_t>(T * a.cols));
    if constexpr (kType == DType::F8_E4M3) {
      PermuteForF8Lut(x, T, a.cols, xp.data());
    } else {
      qd::PermuteForF4Split(x, T, a.cols, xp.data());
    }
    x = xp.data();
  }
  if constexpr (!IsBlockType(kType)) {  // block types: BlockTile for every T (its own chain)
    if (T >= 8) {
      PanelRows<kType>(x, T, a, j_begin, j_end, y);
      return;
    }
  }
  int64_t j = j_begin;
  if (T <= 4) {
    // Decode: the rows are cut into R bands read side by side, each band front to back, so
    // that each of the R streams is long and sequential however short the rows are (R
    // neighbouring short rows read together starve the hardware prefetcher: 1.5-2 KB rows ran
    // at ~60 % of the bandwidth long rows reach).
    const int64_t R = T == 1 ? 8 : 4, band = (j_end - j_begin) / R;
    for (int64_t i = 0; i < band; ++i) {
      switch (T) {
        case 1: Tile<kType, 8, 1>(x, T, a, j_begin + i, 0, y, band); break;
        case 2: Tile<kType, 4, 2>(x, T, a, j_begin + i, 0, y, band); break;
        case 3: Tile<kType, 4, 3>(x, T, a, j_begin + i, 0, y, band); break;
        default: Tile<kType, 4, 4>(x, T, a, j_begin + i, 0, y, band); break;
      }
    }
    j = j_begin + R * band;
  }
  for (; j + 4 <= j_end; j += 4) RowTile<kType, 4>(x, T, a, j, y);
  for (; j < j_end; ++j) RowTile<kType, 1>(x, T, a, j, y);
}

void GemmRows(const float* x, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  VisitWeightType(a.dtype, [&](auto tag) { Rows<decltype(tag)::value>(x, T, a, j_begin, j_end, y); });
}

float Dot(const float* a, const float* b, int64_t n) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  auto acc0 = hn::Zero(df), acc1 = hn::Zero(df);
  int64_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    acc0 = hn::MulAdd(hn::LoadU(df, a + i), hn::LoadU(df, b + i), acc0);
    acc1 = hn::MulAdd(hn::LoadU(df, a + i + N), hn::LoadU(df, b + i + N), acc1);
  }
  for (; i + N <= n; i += N) acc0 = hn::MulAdd(hn::LoadU(df, a + i), hn::LoadU(df, b + i), acc0);
  float s = hn::GetLane(hn::SumOfLanes(df, hn::Add(acc0, acc1)));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

void Axpy(float alpha, const float* x, float* y, int64_t n) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const auto va = hn::Set(df, alpha);
  int64_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(hn::MulAdd(va, hn::LoadU(df, x + i), hn::LoadU(df, y + i)), df, y + i);
  for (; i < n; ++i) y[i] += alpha * x[i];
}

// y[c] += sum_j a[j] * W[r0 + j, c], c < cols: a weighted sum of weight rows.
template <DType kType>
void AxpyRowsT(const float* a, int64_t n, const GemmArgs& w, float* y) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const int64_t K = w.cols, nb = (K + 127) / 128, kv = K - K % N, row_bytes = ColumnBytes<kType>(K);
  for (int64_t j = 0; j < n; ++j) {
    const int64_t row = w.r0 + j;
    const uint8_t* r = w.data + row * row_bytes;
    const uint8_t* scales = RowScales<kType>(w, row);
    auto coef = hn::Set(df, a[j]);
    if constexpr (IsBlockType(kType)) {
      // Blocks prepped 8 at a time before they are decoded (see BlockTile).
      constexpr int64_t BE = BlockElems(kType), BB = BlockBytes(kType), kBatch = 8;
      constexpr size_t kPrep = PrepFloats<kType>() > 0 ? PrepFloats<kType>() : 1;
      HWY_ALIGN float prep[kBatch][kPrep];
      for (int64_t b0 = 0; b0 < K / BE; b0 += kBatch) {
        const int64_t bn = std::min(kBatch, K / BE - b0);
        if constexpr (PrepFloats<kType>() > 0) {
          for (int64_t b = 0; b < bn; ++b) PrepBlock<kType>(r + (b0 + b) * BB, prep[b]);
          qd::ScalesFromMemory();
        }
        for (int64_t b = 0; b < bn; ++b) {
          float* yb = y + (b0 + b) * BE;
          DecodeRowBlock<kType>(r, scales, b0 + b, prep[b], [&](size_t i, hn::Vec<DF> v) {
            hn::StoreU(hn::MulAdd(coef, v, hn::LoadU(df, yb + i * N)), df, yb + i * N);
          });
        }
      }
    } else {
      const int64_t srow = (row / 128) * nb;  // FP8: index of the row's first block scale
      for (int64_t k = 0; k < kv; k += N) {
        if constexpr (kType == DType::F8_E4M3) {
          if (k % 128 == 0) coef = hn::Set(df, a[j] * fp8_block_scale(w, srow + k / 128) * 256.0f);
        }
        hn::StoreU(hn::MulAdd(coef, LoadW<kType>(df, r, k), hn::LoadU(df, y + k)), df, y + k);
      }
      for (int64_t k = kv; k < K; ++k) {
        float s = a[j];
        if constexpr (kType == DType::F8_E4M3) s *= fp8_block_scale(w, srow + k / 128) * 256.0f;
        y[k] += s * ScalarW<kType>(r, k);
      }
    }
  }
}

void AxpyRows(const float* a, int64_t n, const GemmArgs& w, float* y) {
  VisitWeightType(w.dtype, [&](auto tag) { AxpyRowsT<decltype(tag)::value>(a, n, w, y); });
}

const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dseek {
HWY_EXPORT(GemmRows);
HWY_EXPORT(Dot);
HWY_EXPORT(Axpy);
HWY_EXPORT(TargetName);
HWY_EXPORT(AxpyRows);
void axpy_rows(const float* a, int64_t n, const GemmArgs& w, float* y) { HWY_DYNAMIC_DISPATCH(AxpyRows)(a, n, w, y); }

void gemm_rows(const float* x, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  HWY_DYNAMIC_DISPATCH(GemmRows)(x, T, a, j_begin, j_end, y);
}
float simd_dot(const float* a, const float* b, int64_t n) { return HWY_DYNAMIC_DISPATCH(Dot)(a, b, n); }
void simd_axpy(float alpha, const float* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(Axpy)(alpha, x, y, n); }
const char* simd_target_name() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }
}  // namespace dseek
#endif
