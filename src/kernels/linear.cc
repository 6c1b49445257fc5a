#include "kernels/linear.h"

#include <algorithm>
#include <string>
#include <vector>

#include <omp.h>

#include "kernels/gemm_hwy.h"
#include "kernels/numeric.h"
#include "kernels/row_bands.h"
#include "runtime/error.h"

namespace dseek {

float dot(const float* a, const float* b, int64_t n) { return simd_dot(a, b, n); }

namespace {

// Decodes W[r, c0 : c0 + len] into buf without the block scale (FP8) or as values.
inline void decode_block(const Matrix& W, int64_t r, int64_t c0, int64_t len, float* buf) {
  if (W.dtype == DType::F8_E4M3) {
    const uint8_t* w = W.data + r * W.cols + c0;
    for (int64_t i = 0; i < len; ++i) buf[i] = kE4M3Table[w[i]];
  } else {
    W.row(r, buf, c0, len);  // block types: dequant_row_ref, a block at a time
  }
}

// A block-type row is whole blocks: the kernels step through it a block at a time. FP8 and
// FP4 need their scales.
inline void check_blocks(const Matrix& W) {
  const bool fp4 = W.dtype == DType::F4_E2M1;
  if ((is_block_quant(W.dtype) || fp4) && W.cols % dtype_block_elems(W.dtype) != 0)
    throw Error("matrix " + W.name + ": " + std::to_string(W.cols) + " columns is not a whole number of " +
                std::string(dtype_name(W.dtype)) + " blocks");
  if ((fp4 && !W.scale_e8m0) || (W.dtype == DType::F8_E4M3 && !W.scale && !W.scale_e8m0))
    throw Error("matrix " + W.name + ": " + std::string(dtype_name(W.dtype)) + " without its scales");
}

inline GemmArgs gemm_args(const Matrix& W, int64_t r0, int64_t n) {
  return GemmArgs{W.dtype, W.data, W.scale, W.cols, r0, n, W.scale_e8m0};
}

}  // namespace

void linear(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0, int64_t n) {
  check_blocks(W);
  if (n < 0) n = W.rows - r0;
  const GemmArgs a = gemm_args(W, r0, n);
  // Rows split across threads in tiles of 4; the result does not depend on the split.
  for_row_bands(n, 4, static_cast<double>(n) * W.cols * T, [&](int64_t b, int64_t e) { gemm_rows(x, T, a, b, e, y); });
}

void linear_prefill(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0, int64_t n) {
  check_blocks(W);
  if (n < 0) n = W.rows - r0;
  if (T <= 0 || n <= 0) return;
  const GemmArgs a = gemm_args(W, r0, n);
  const int64_t NR = prefill_token_tile(), tiles = (T + NR - 1) / NR;
  // The packed tokens are reused across calls of this thread (the largest is a few MB).
  thread_local std::vector<float> xt;
  xt.resize(static_cast<size_t>(prefill_packed_floats(T, W.cols)));
  float* xp = xt.data();
  const double work = static_cast<double>(n) * W.cols * T;
  // Rows split across threads in blocks of 32; the result does not depend on the split.
  const int64_t blocks = (n + 31) / 32;
#pragma omp parallel if (work > (1 << 22))
  {
    const int nt = omp_get_num_threads(), id = omp_get_thread_num();
    prefill_pack_tokens(x, T, W.cols, tiles * id / nt, tiles * (id + 1) / nt, xp);
#pragma omp barrier
    const int64_t b = blocks * id / nt * 32, e = std::min(n, blocks * (id + 1) / nt * 32);
    if (b < e) prefill_gemm_rows(xp, T, a, b, e, y);
  }
  // Keep the usual few MB; give back what a long context's attention product needed.
  if (xt.capacity() > (size_t(4) << 20)) std::vector<float>().swap(xt);  // 16 MB
}

void linear_mixed(const float* x, int64_t T, const Matrix& W, float* y, const uint8_t* prefill_rows) {
  int64_t np = 0;
  if (prefill_rows)
    for (int64_t t = 0; t < T; ++t) np += prefill_rows[t] != 0;
  if (np == 0) return linear(x, T, W, y);
  if (np == T) return linear_prefill(x, T, W, y);
  // Mixed (a prompt chunk batched with decode tokens): each group gathered, run, scattered.
  const int64_t K = W.cols, n = W.rows;
  std::vector<float> xs(T * K), ys(T * n);
  std::vector<int64_t> order;
  for (int pass = 1; pass >= 0; --pass)
    for (int64_t t = 0; t < T; ++t)
      if ((prefill_rows[t] != 0) == (pass == 1)) order.push_back(t);
  for (int64_t i = 0; i < T; ++i) std::copy_n(x + order[i] * K, K, xs.data() + i * K);
  linear_prefill(xs.data(), np, W, ys.data());
  linear(xs.data() + np * K, T - np, W, ys.data() + np * n);
  for (int64_t i = 0; i < T; ++i) std::copy_n(ys.data() + i * n, n, y + order[i] * n);
}

void linear_reference(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0, int64_t n) {
  if (n < 0) n = W.rows - r0;
  // Chunks of 128 columns (FP8: the scale blocks); block types: one block (32 or 256; F4_E2M1:
  // 32 columns, decoded with their scale).
  const int64_t K = W.cols,
                B = is_block_quant(W.dtype) || W.dtype == DType::F4_E2M1 ? dtype_block_elems(W.dtype) : Matrix::kBlock;
  const int64_t nb = (K + B - 1) / B;
  const bool fp8 = W.dtype == DType::F8_E4M3;
  const double work = static_cast<double>(n) * K * T;
#pragma omp parallel for schedule(static) if (work > (1 << 20))
  for (int64_t j = 0; j < n; ++j) {
    const int64_t r = r0 + j;
    float buf[256];
    for (int64_t t = 0; t < T; ++t) y[t * n + j] = 0.0f;
    for (int64_t b = 0; b < nb; ++b) {
      const int64_t c0 = b * B, len = std::min(B, K - c0);
      decode_block(W, r, c0, len, buf);
      const int64_t si = (r / B) * nb + b;
      const float s = !fp8 ? 1.0f : W.scale_e8m0 ? e8m0_to_f32(W.scale_e8m0[si]) : W.scale[si];
      for (int64_t t = 0; t < T; ++t) y[t * n + j] += s * dot(buf, x + t * K + c0, len);
    }
  }
}

void accumulate_rows(const float* a, int64_t n, const Matrix& W, int64_t r0, float* y) {
  check_blocks(W);
  axpy_rows(a, n, gemm_args(W, r0, n), y);
}

Matrix f32_matrix(const float* data, int64_t rows, int64_t cols) {
  Matrix m;
  m.dtype = DType::F32;
  m.rows = rows;
  m.cols = cols;
  m.data = reinterpret_cast<const uint8_t*>(data);
  return m;
}

}  // namespace dseek
