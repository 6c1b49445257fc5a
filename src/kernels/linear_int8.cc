// linear_int8: activation quantisation, then the int8 kernels over rows split across threads.
#include <vector>

#include "kernels/linear.h"
#include "kernels/quant/int8_gemm.h"
#include "kernels/row_bands.h"

namespace dseek {

bool linear_int8(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0, int64_t n) {
  if (!has_int8_kernel(W.dtype) || W.cols % 256 != 0) return false;
  if (n < 0) n = W.rows - r0;
  if (T <= 0 || n <= 0) return true;
  const int64_t nb = W.cols / 256;
  thread_local std::vector<Q8Block> xq;
  xq.resize(static_cast<size_t>(T * nb));
  Q8Block* xp = xq.data();
#pragma omp parallel for schedule(static) if (T >= 16)
  for (int64_t t = 0; t < T; ++t) quantize_act_q8(x + t * W.cols, W.cols, xp + t * nb);
  const GemmArgs a{W.dtype, W.data, W.scale, W.cols, r0, n};
  // Rows split across threads in bands of 16; the result does not depend on the split.
  for_row_bands(n, 16, static_cast<double>(n) * W.cols * T,
                [&](int64_t b, int64_t e) { int8_gemm_rows(xp, T, a, b, e, y); });
  if (xq.capacity() > (size_t(1) << 16)) std::vector<Q8Block>().swap(xq);  // > 20 MB: a long prompt's
  return true;
}

}  // namespace dseek
