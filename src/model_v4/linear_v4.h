// The V4 forward's linear layer: y = x W^T over the weight as shipped (kernels/linear.h), a
// sequence's run of at least kPrefillRows tokens through the prefill GEMM, shorter runs and
// decode through the matrix-vector kernels (the same split as the V3 forward).
#pragma once
#include <cstdint>

#include "kernels/linear.h"

namespace dseek {

inline constexpr int64_t kPrefillRowsV4 = 8;

// x [T, W.cols] fp32, y [T, n] fp32 (rows r0 .. r0 + n of W; n < 0: all from r0).
inline void linear_v4(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0 = 0, int64_t n = -1) {
  if (T >= kPrefillRowsV4)
    linear_prefill(x, T, W, y, r0, n);
  else
    linear(x, T, W, y, r0, n);
}

}  // namespace dseek
