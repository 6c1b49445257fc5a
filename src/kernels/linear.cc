#include "kernels/linear.h"

#include <algorithm>
#include <vector>

#include <omp.h>

#include "kernels/gemm_hwy.h"
#include "kernels/numeric.h"

namespace dseek {

float dot(const float* a, const float* b, int64_t n) { return simd_dot(a, b, n); }

namespace {

// Decodes W[r, c0 : c0 + len] into buf without the block scale (FP8) or as values.
inline void decode_block(const Matrix& W, int64_t r, int64_t c0, int64_t len, float* buf) {
  switch (W.dtype) {
    case DType::F8_E4M3: {
      const uint8_t* w = W.data + r * W.cols + c0;
      for (int64_t i = 0; i < len; ++i) buf[i] = kE4M3Table[w[i]];
      break;
    }
    case DType::BF16: {
      const uint16_t* w = reinterpret_cast<const uint16_t*>(W.data) + r * W.cols + c0;
      for (int64_t i = 0; i < len; ++i) buf[i] = bf16_to_f32(w[i]);
      break;
    }
    default: {
      const float* w = reinterpret_cast<const float*>(W.data) + r * W.cols + c0;
      std::copy(w, w + len, buf);
    }
  }
}

}  // namespace

void linear(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0, int64_t n) {
  if (n < 0) n = W.rows - r0;
  const GemmArgs a{W.dtype, W.data, W.scale, W.cols, r0, n};
  // Rows split across threads in tiles of 4; the result does not depend on the split.
  const int64_t tiles = (n + 3) / 4;
  const double work = static_cast<double>(n) * W.cols * T;
  if (work < (1 << 20) || tiles < 2) {
    gemm_rows(x, T, a, 0, n, y);
    return;
  }
#pragma omp parallel
  {
    const int nt = omp_get_num_threads(), id = omp_get_thread_num();
    const int64_t b = tiles * id / nt * 4, e = std::min(n, tiles * (id + 1) / nt * 4);
    if (b < e) gemm_rows(x, T, a, b, e, y);
  }
}

void linear_reference(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0, int64_t n) {
  if (n < 0) n = W.rows - r0;
  const int64_t K = W.cols, B = Matrix::kBlock, nb = W.scale_cols();
  const bool fp8 = W.dtype == DType::F8_E4M3;
  const double work = static_cast<double>(n) * K * T;
#pragma omp parallel for schedule(static) if (work > (1 << 20))
  for (int64_t j = 0; j < n; ++j) {
    const int64_t r = r0 + j;
    float buf[Matrix::kBlock];
    for (int64_t t = 0; t < T; ++t) y[t * n + j] = 0.0f;
    for (int64_t b = 0; b < nb; ++b) {
      const int64_t c0 = b * B, len = std::min(B, K - c0);
      decode_block(W, r, c0, len, buf);
      const float s = fp8 ? W.scale[(r / B) * nb + b] : 1.0f;
      for (int64_t t = 0; t < T; ++t) y[t * n + j] += s * dot(buf, x + t * K + c0, len);
    }
  }
}

void accumulate_rows(const float* a, int64_t n, const Matrix& W, int64_t r0, float* y) {
  axpy_rows(a, n, GemmArgs{W.dtype, W.data, W.scale, W.cols, r0, n}, y);
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
