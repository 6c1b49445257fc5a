// Dispatch entry of the int8-numerics SIMD kernels (int8_gemm_hwy.cc); linear_int8() is the
// public entry.
#pragma once
#include <cstdint>

#include "kernels/gemm_hwy.h"
#include "kernels/quant/int8_act.h"

namespace dseek {

// y[t * a.n + j] = int8_dot_ref(W row a.r0 + j, xq row t) for j in [j_begin, j_end), t < T.
// xq: T rows of a.cols / 256 blocks; a.dtype must have has_int8_kernel.
void int8_gemm_rows(const Q8Block* xq, int64_t T, const GemmArgs& a, int64_t j_begin, int64_t j_end, float* y);

}  // namespace dseek
