// Runtime-dispatched SIMD kernels (Highway). See gemm_hwy.cc.
#pragma once
#include <cstdint>
#include <cstring>

#include "kernels/numeric.h"
#include "weights/dtype.h"

namespace dseek {

// A weight matrix view for the kernels: rows [r0, r0 + n) of a [rows, cols] matrix.
struct GemmArgs {
  DType dtype;
  const uint8_t* data;
  const float* scale;  // FP8: weight_scale_inv [ceil(rows/128), ceil(cols/128)]
  int64_t cols;
  int64_t r0, n;       // output rows r0 .. r0+n-1; y row stride is n
  // E8M0 bytes as stored: FP8's block scales (scale null) or F4_E2M1's [rows, cols / 32].
  const uint8_t* scale_e8m0 = nullptr;
};

// FP8 block scale idx (row block * ceil(cols/128) + column block) as fp32, from either kind of
// scale (the kernels multiply it by the 2^8 their FP8 loaders leave out: exact below 2^120).
inline float fp8_block_scale(const GemmArgs& a, int64_t idx) {
  return a.scale_e8m0 ? kE8M0Table[a.scale_e8m0[idx]] : a.scale[idx];
}

// y[t * n + j] = sum_k x[t * cols + k] * W[r0 + j, k] for j in [j_begin, j_end), t < T.
void gemm_rows(const float* x, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y);
// Prefill GEMM (gemm_prefill_hwy.cc): tokens are first packed into tiles of
// prefill_token_tile() tokens, xt [tiles, cols, tile] (prefill_packed_floats(T, cols) floats;
// the pack of tiles [tile_begin, tile_end) can be split across threads), then
// prefill_gemm_rows computes y[t * n + j] for j in [j_begin, j_end), t < T.
int64_t prefill_token_tile();
int64_t prefill_packed_floats(int64_t T, int64_t cols);
void prefill_pack_tokens(const float* x, int64_t T, int64_t cols, int64_t tile_begin, int64_t tile_end, float* xt);
void prefill_gemm_rows(const float* xt, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y);
// y[c] += sum_j a[j] * W[r0 + j, c] for c < cols (rows r0 .. r0+n-1).
void axpy_rows(const float* a, int64_t n, const GemmArgs& w, float* y);
float simd_dot(const float* a, const float* b, int64_t n);
// y += alpha * x
void simd_axpy(float alpha, const float* x, float* y, int64_t n);
// The SIMD target chosen at run time ("AVX3_SPR", "AVX2", ...).
const char* simd_target_name();

}  // namespace dseek
