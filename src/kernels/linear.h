// Linear layer y = x W^T over a weight matrix as shipped (FP8-block, BF16 or F32), fp32
// activations and fp32 accumulation. Used for prefill (T tokens) and decode (T = 1); the
// weights are decoded 128 columns at a time inside the loop, never copied whole.
#pragma once
#include <cstdint>

#include "kernels/matrix.h"

namespace dseek {

// x: [T, W.cols] fp32 row-major. y: [T, n] fp32 row-major, y[t, j] = sum_c x[t, c] * W[r0 + j, c]
// for the output rows [r0, r0 + n) (n < 0: all rows from r0). Multi-threaded over rows.
void linear(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0 = 0, int64_t n = -1);

// The plain scalar loop nest (decode 128 columns, dot, scale): the test oracle for linear().
void linear_reference(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0 = 0, int64_t n = -1);

// y[c] += sum_j a[j] * W[r0 + j, c] for c in [0, W.cols): a weighted sum of rows
// (the transposed product used by absorbed MLA decode, q_nope . W_UK).
void accumulate_rows(const float* a, int64_t n, const Matrix& W, int64_t r0, float* y);

// A row-major fp32 buffer [rows, cols] viewed as a Matrix (activations used as the "weight"
// side of a product, e.g. attention keys).
Matrix f32_matrix(const float* data, int64_t rows, int64_t cols);

// Plain fp32 dot product (vectorised).
float dot(const float* a, const float* b, int64_t n);

}  // namespace dseek
