#include "model_v4/numerics_v4.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/act_quant.h"
#include "kernels/numeric.h"
#include "kernels/ops.h"
#include "model_v4/linear_v4.h"

namespace dseek {

void fp4_act_qdq(float* x, int64_t rows, int64_t n) {
  std::vector<int8_t> code(n);
  std::vector<uint8_t> exps((n + kFp4Block - 1) / kFp4Block);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * n;
    fp4_quantize_row(row, n, code.data(), exps.data());
    for (int64_t i = 0; i < n; ++i) row[i] = fp4_value(code[i], exps[i / kFp4Block]);
  }
}

void kv_nope_fp8_sim(float* x, int64_t rows, int64_t dim, int64_t nope, bool pow2_scale) {
  if (nope <= 0) return;
  std::vector<float> q(nope), s((nope + kKvNopeBlockV4 - 1) / kKvNopeBlockV4);
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * dim;
    act_quant_row_block(row, nope, kKvNopeBlockV4, pow2_scale, q.data(), s.data());
    for (int64_t i = 0; i < nope; ++i) row[i] = bf16_round(q[i] * s[i / kKvNopeBlockV4]);
  }
}

void linear_official(const float* x, int64_t T, const Matrix& W, float* y, bool pow2_scale, int64_t r0, int64_t n) {
  const int64_t rows = n < 0 ? W.rows - r0 : n;
  if (W.dtype == DType::F8_E4M3 || W.dtype == DType::F4_E2M1) {
    std::vector<float> xq(x, x + T * W.cols);
    act_qdq_block(xq.data(), T, W.cols, kActBlockV4, pow2_scale);
    linear_v4(xq.data(), T, W, y, r0, n);
  } else {
    linear_v4(x, T, W, y, r0, n);
  }
  round_bf16(y, T * rows);
}

void rms_rows_bf16(float* x, int64_t rows, int64_t n, double eps) {
  for (int64_t r = 0; r < rows; ++r) {
    float* v = x + r * n;
    float ss = 0.0f;
    for (int64_t i = 0; i < n; ++i) ss += bf16_round(v[i] * v[i]);
    const float mean = bf16_round(ss / static_cast<float>(n));
    const float var = bf16_round(mean + static_cast<float>(eps));
    const float s = bf16_round(1.0f / std::sqrt(var));
    for (int64_t i = 0; i < n; ++i) v[i] = bf16_round(v[i] * s);
  }
}

}  // namespace dseek
