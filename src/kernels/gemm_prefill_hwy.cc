// Prefill GEMM: y = x W^T for many tokens, vectorised over tokens (Goto/BLIS-style blocking),
// dispatched at run time like gemm_hwy.cc.
//
// The decode kernels vectorise along k (each weight row is read once, as a stream), which a
// matrix-vector product needs but which forces a horizontal sum per output and leaves the
// product load-bound. Here the activations are transposed once per call into tiles of NR
// tokens ([K][NR] floats), a micro-panel of MR weight rows is dequantised once per KC columns
// into L1, and the micro-kernel broadcasts one weight and multiplies it into NR tokens: MR x NR
// outputs stay in registers, 2 vector loads + MR broadcasts feed 2 MR FMAs.
//
// Per output element the result is one sequential fp32 FMA chain over k = 0 .. K-1, whatever
// T, the tiles or the thread split, so a token's prefill result does not depend on what it was
// batched with. (It differs from the decode chain in rounding only.)
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemm_prefill_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/gemm_hwy.h"
#include "kernels/load_weights-inl.h"
#include "kernels/quant/dequant-inl.h"

#include <algorithm>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace dseek {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Register blocking: MR weight rows x 2 vectors of tokens. 16-register x86 targets fit 6 x 2
// accumulators, 32-register targets 14 x 2 (+ 2 token vectors + 1 broadcast).
#if HWY_ARCH_X86 && HWY_TARGET > HWY_AVX3
constexpr int kMR = 14, kNV = 2;
#else
constexpr int kMR = 14, kNV = 2;
#endif
// The accumulator loops must be unrolled for the accumulators to live in registers.
#define DSEEK_UNROLL _Pragma("GCC unroll 32")
// MicroHalf's 2 MR accumulators need 32 vector registers.
#if HWY_ARCH_X86 && HWY_TARGET > HWY_AVX3
constexpr bool kHalfTile = false;
#else
constexpr bool kHalfTile = kNV == 2;
#endif
constexpr int64_t kKC = 256;  // columns a micro-panel: MR x KC floats stay in L1
constexpr int64_t kRowTiles = 8;                 // micro-panels a row block
constexpr int64_t kRowBlock = kMR * kRowTiles;  // rows whose accumulators are parked together
constexpr int64_t kWS = kKC + 16;  // its row stride: rows 1 KiB apart would share L1 sets

int64_t TokenTile() { return kNV * static_cast<int64_t>(hn::Lanes(DF())); }

int64_t PackedFloats(int64_t T, int64_t K) {
  const int64_t NR = TokenTile();
  return (T + NR - 1) / NR * NR * K;
}

// xt[(tile * K + k) * NR + i] = x[(tile * NR + i) * K + k]; tokens past T are zero.
void PackTokens(const float* x, int64_t T, int64_t K, int64_t tile_begin, int64_t tile_end, float* xt) {
  const int64_t NR = TokenTile();
  for (int64_t tile = tile_begin; tile < tile_end; ++tile) {
    float* dst = xt + tile * K * NR;
    for (int64_t i = 0; i < NR; ++i) {
      const int64_t t = tile * NR + i;
      if (t < T) {
        const float* src = x + t * K;
        for (int64_t k = 0; k < K; ++k) dst[k * NR + i] = src[k];
      } else {
        for (int64_t k = 0; k < K; ++k) dst[k * NR + i] = 0.0f;
      }
    }
  }
}

// Dequantises rows [row0, row0 + rows) (rows <= MR; missing rows zero), columns [k0, k0 + kn),
// into wp[r * kWS + k - k0]: the same fp32 values the decode kernels multiply
// (FP8: e4m3(code) * block scale, fp32 or E8M0, exact before the product; block types and
// F4_E2M1: their blocks decoded, a chunk being whole blocks since KC and K are multiples of
// them — a 256-block's scales prepped for all the rows before any row is decoded, as the
// decode kernels do).
template <DType kType>
void PackRows(const GemmArgs& a, int64_t row0, int64_t rows, int64_t k0, int64_t kn, float* HWY_RESTRICT wp) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const int64_t K = a.cols, nb = (K + 127) / 128, row_bytes = ColumnBytes<kType>(K);
  constexpr size_t kPrep = PrepFloats<kType>() > 0 ? PrepFloats<kType>() : 1;
  HWY_ALIGN float prep[kMR][kPrep];
  if constexpr (PrepFloats<kType>() > 0) {
    static_assert(BlockElems(kType) == kKC, "one block a row and chunk");
    for (int r = 0; r < rows; ++r) PrepBlock<kType>(a.data + (a.r0 + row0 + r) * row_bytes + ColumnBytes<kType>(k0), prep[r]);
    qd::ScalesFromMemory();
  }
  for (int r = 0; r < kMR; ++r) {
    float* dst = wp + r * kWS;
    if (r >= rows) {
      std::fill(dst, dst + kn, 0.0f);
      continue;
    }
    const int64_t row = a.r0 + row0 + r;
    const uint8_t* w = a.data + row * row_bytes;
    // The weights come from memory in short runs (KC columns of each row), too short for the
    // hardware prefetcher: request this row's run two column chunks ahead, and past the row's
    // end the start of the row it is followed by (the same row of the next row block).
    {
      int64_t at = k0 + 2 * kKC;
      const uint8_t* base = w;
      if (at >= K) {
        at -= K;
        base = w + kRowBlock * row_bytes;
      }
      const int64_t end = ColumnBytes<kType>(std::min(K, at + kKC));
      for (int64_t b = ColumnBytes<kType>(at); b < end; b += 64) hwy::Prefetch(base + b);
    }
    int64_t k = k0;
    if constexpr (kType == DType::F8_E4M3) {
      const int64_t srow = (row / 128) * nb;  // index of the row's first block scale
      // Whole 128-column scale blocks two vectors at a time (one widening for 2N codes).
      if (k0 % 128 == 0 && 128 % (2 * N) == 0)
        for (; k + 128 <= k0 + kn; k += 128) {
          const auto sv = hn::Set(df, fp8_block_scale(a, srow + k / 128) * 256.0f);
          for (int64_t i = 0; i < 128; i += 2 * N) {
            hn::Vec<DF> w0, w1;
            LoadF8x2(df, w, k + i, w0, w1);
            hn::StoreU(hn::Mul(w0, sv), df, dst + (k + i - k0));
            hn::StoreU(hn::Mul(w1, sv), df, dst + (k + i + N - k0));
          }
        }
      for (; k + N <= k0 + kn; k += N) {
        if ((k / 128) != ((k + N - 1) / 128)) break;  // a vector straddling scale blocks
        const auto v = LoadW<kType>(df, w, k);
        hn::StoreU(hn::Mul(v, hn::Set(df, fp8_block_scale(a, srow + k / 128) * 256.0f)), df, dst + (k - k0));
      }
      for (; k < k0 + kn; ++k) dst[k - k0] = ScalarW<kType>(w, k) * (fp8_block_scale(a, srow + k / 128) * 256.0f);
    } else if constexpr (IsBlockType(kType)) {
      const uint8_t* scales = RowScales<kType>(a, row);
      for (; k < k0 + kn; k += BlockElems(kType))
        DecodeRowBlock<kType>(w, scales, k / BlockElems(kType), prep[r],
                              [&](size_t i, hn::Vec<DF> v) { hn::StoreU(v, df, dst + (k - k0) + i * N); });
    } else if constexpr (kType == DType::BF16 || kType == DType::F16) {
      for (; k + N <= k0 + kn; k += N) hn::StoreU(LoadW<kType>(df, w, k), df, dst + (k - k0));
      for (; k < k0 + kn; ++k) dst[k - k0] = ScalarW<kType>(w, k);
    } else {
      std::memcpy(dst, w + k0 * 4, kn * 4);
    }
  }
}

// c[r * NR + i] (+)= sum_{k < kn} wp[r * kWS + k] * xt[k * NR + i], r < MR, i < NR.
template <int MR>
HWY_INLINE void Micro(const float* HWY_RESTRICT wp, const float* HWY_RESTRICT xt, int64_t kn, bool first,
                      float* HWY_RESTRICT c) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  hn::Vec<DF> acc[MR][kNV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < kNV; ++v) acc[r][v] = first ? hn::Zero(df) : hn::LoadU(df, c + (r * kNV + v) * N);
  for (int64_t k = 0; k < kn; ++k) {
    hn::Vec<DF> xv[kNV];
    for (int v = 0; v < kNV; ++v) xv[v] = hn::LoadU(df, xt + (k * kNV + v) * N);
    for (int r = 0; r < MR; ++r) {
      const auto b = hn::Set(df, wp[r * kWS + k]);
      for (int v = 0; v < kNV; ++v) acc[r][v] = hn::MulAdd(b, xv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < kNV; ++v) hn::StoreU(acc[r][v], df, c + (r * kNV + v) * N);
}

// The last token tile when it holds at most N tokens (an expert's few tokens, a prompt's
// tail): one token vector, two micro-panels at once (2 MR rows: 2 MR accumulators, as many
// FMAs a column as the full kernel), instead of FMAs on the tile's zero half. two: the second
// panel exists (c1 its accumulators). Same chain per output element as Micro.
HWY_INLINE void MicroHalf(const float* HWY_RESTRICT wp, const float* HWY_RESTRICT xt, int64_t kn, bool first,
                          float* HWY_RESTRICT c0, float* HWY_RESTRICT c1, bool two) {
  const DF df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df)), NR = kNV * N;
  hn::Vec<DF> acc[2 * kMR];
  DSEEK_UNROLL
  for (int r = 0; r < 2 * kMR; ++r) {
    acc[r] = first || (r >= kMR && !two) ? hn::Zero(df) : hn::LoadU(df, r < kMR ? c0 + r * NR : c1 + (r - kMR) * NR);
  }
  if (two) {
    for (int64_t k = 0; k < kn; ++k) {
      const auto xv = hn::LoadU(df, xt + k * NR);
      DSEEK_UNROLL
      for (int r = 0; r < 2 * kMR; ++r) acc[r] = hn::MulAdd(hn::Set(df, wp[r * kWS + k]), xv, acc[r]);
    }
  } else {
    for (int64_t k = 0; k < kn; ++k) {
      const auto xv = hn::LoadU(df, xt + k * NR);
      DSEEK_UNROLL
      for (int r = 0; r < kMR; ++r) acc[r] = hn::MulAdd(hn::Set(df, wp[r * kWS + k]), xv, acc[r]);
    }
  }
  DSEEK_UNROLL
  for (int r = 0; r < kMR; ++r) hn::StoreU(acc[r], df, c0 + r * NR);
  if (two) {
    DSEEK_UNROLL
    for (int r = 0; r < kMR; ++r) hn::StoreU(acc[kMR + r], df, c1 + r * NR);
  }
}

// Output rows [j_begin, j_end) for all T tokens, from the packed tokens xt.
template <DType kType>
void PrefillRows(const float* xt, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  const int64_t NR = TokenTile(), K = a.cols;
  const int64_t tiles = (T + NR - 1) / NR;
  // A last tile of at most one vector of tokens goes through MicroHalf.
  const int64_t N = static_cast<int64_t>(hn::Lanes(DF()));
  const int64_t full_tiles = kHalfTile && T - (tiles - 1) * NR <= N ? tiles - 1 : tiles;
  // Rows a block: the accumulators of all tokens (block x T) are parked in cbuf between
  // column chunks; block x KC dequantised weights in wbuf.
  const int64_t NC = kRowBlock;
  // Scratch kept per thread: products over small key blocks come thousands of times a step.
  thread_local std::vector<float> wbuf, cbuf;
  wbuf.resize(kRowTiles * kMR * kWS);
  cbuf.resize(kRowTiles * tiles * kMR * NR);
  for (int64_t jc = j_begin; jc < j_end; jc += NC) {
    const int64_t nrows = std::min(NC, j_end - jc), rtiles = (nrows + kMR - 1) / kMR;
    for (int64_t k0 = 0; k0 < K; k0 += kKC) {
      const int64_t kn = std::min(kKC, K - k0);
      for (int64_t rt = 0; rt < rtiles; ++rt)
        PackRows<kType>(a, jc + rt * kMR, std::min<int64_t>(kMR, nrows - rt * kMR), k0, kn,
                        wbuf.data() + rt * kMR * kWS);
      for (int64_t tile = 0; tile < full_tiles; ++tile) {
        const float* xtile = xt + (tile * K + k0) * NR;
        for (int64_t rt = 0; rt < rtiles; ++rt)
          Micro<kMR>(wbuf.data() + rt * kMR * kWS, xtile, kn, k0 == 0,
                     cbuf.data() + (rt * tiles + tile) * kMR * NR);
      }
      if (full_tiles < tiles) {
        const int64_t tile = full_tiles;
        const float* xtile = xt + (tile * K + k0) * NR;
        for (int64_t rt = 0; rt < rtiles; rt += 2) {
          const bool two = rt + 1 < rtiles;
          float* c0 = cbuf.data() + (rt * tiles + tile) * kMR * NR;
          MicroHalf(wbuf.data() + rt * kMR * kWS, xtile, kn, k0 == 0, c0,
                    two ? cbuf.data() + ((rt + 1) * tiles + tile) * kMR * NR : c0, two);
        }
      }
    }
    for (int64_t rt = 0; rt < rtiles; ++rt)
      for (int64_t tile = 0; tile < tiles; ++tile) {
        const float* c = cbuf.data() + (rt * tiles + tile) * kMR * NR;
        const int64_t rows = std::min<int64_t>(kMR, nrows - rt * kMR), toks = std::min(NR, T - tile * NR);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t i = 0; i < toks; ++i) y[(tile * NR + i) * a.n + jc + rt * kMR + r] = c[r * NR + i];
      }
  }
}

void GemmPrefillRows(const float* xt, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  VisitWeightType(a.dtype, [&](auto tag) { PrefillRows<decltype(tag)::value>(xt, T, a, j_begin, j_end, y); });
}

}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace dseek {
HWY_EXPORT(PackedFloats);
HWY_EXPORT(TokenTile);
HWY_EXPORT(PackTokens);
HWY_EXPORT(GemmPrefillRows);

int64_t prefill_token_tile() { return HWY_DYNAMIC_DISPATCH(TokenTile)(); }
int64_t prefill_packed_floats(int64_t T, int64_t K) { return HWY_DYNAMIC_DISPATCH(PackedFloats)(T, K); }
void prefill_pack_tokens(const float* x, int64_t T, int64_t K, int64_t tile_begin, int64_t tile_end, float* xt) {
  HWY_DYNAMIC_DISPATCH(PackTokens)(x, T, K, tile_begin, tile_end, xt);
}
void prefill_gemm_rows(const float* xt, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y) {
  HWY_DYNAMIC_DISPATCH(GemmPrefillRows)(xt, T, a, j_begin, j_end, y);
}
}  // namespace dseek
#endif
