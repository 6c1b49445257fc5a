// Linear layer y = x W^T over a weight matrix as shipped (FP8-block with fp32 or E8M0 scales,
// FP4 e2m1 with E8M0 per-32 scales, BF16, F16, F32, ggml block types), fp32 activations and
// fp32 accumulation. Used for prefill (T tokens) and decode (T = 1); the
// weights are decoded 128 columns at a time inside the loop, never copied whole.
#pragma once
#include <cstdint>

#include "kernels/matrix.h"

namespace dseek {

// x: [T, W.cols] fp32 row-major. y: [T, n] fp32 row-major, y[t, j] = sum_c x[t, c] * W[r0 + j, c]
// for the output rows [r0, r0 + n) (n < 0: all rows from r0). Multi-threaded over rows.
void linear(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0 = 0, int64_t n = -1);

// The same product with the prefill GEMM (vectorised over tokens): per output element one
// sequential fp32 FMA chain over the columns, independent of T, so a prompt token's result does
// not depend on the batch. Differs from linear() in rounding only; decode tokens use linear()
// so that batched decode equals single-sequence decode bit for bit.
void linear_prefill(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0 = 0, int64_t n = -1);

// The int8 numerics mode (quant/int8_act.h, llama.cpp's CPU path): for W of a type with
// has_int8_kernel, x's rows are quantised to int8 per 256 columns and y = the integer-dot
// product int8_dot_ref defines, the same floats on every CPU and for every T (batched equals
// alone). Returns false, y untouched, for other types (their exact path applies).
bool linear_int8(const float* x, int64_t T, const Matrix& W, float* y, int64_t r0 = 0, int64_t n = -1);

// Rows t with prefill_rows[t] != 0 through linear_prefill, the others through linear()
// (prefill_rows null: all through linear()). Each row's result depends only on its own path.
void linear_mixed(const float* x, int64_t T, const Matrix& W, float* y, const uint8_t* prefill_rows);

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
