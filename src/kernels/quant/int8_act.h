// The int8 numerics mode of the block-type kernels: llama.cpp's CPU path (ggml-cpu vec_dot of
// a K-quant / IQ row with a Q8_K activation row), with integer dot products (AVX-512BW
// maddubs, VNNI dpwssd) instead of fp32 FMAs on decoded weights.
//
// Activations: each token row is quantised per 256 columns (a Q8Block), as ggml's
// quantize_row_q8_K: s = 127 / amax, q = round-to-nearest-even(x * s) clamped to [-127, 127],
// d = 1 / s (q = 0 and d = 0 for an all-zero block), plus the sums of q per 16 columns (the
// K-quants' minimum and offset terms).
//
// A weight row's product with a Q8 row is defined (int8_dot_ref, the scalar definition) with
// the lanes of the AVX-512 kernel, so that every target computes the same floats: per
// 256-column block b, exact int32 lanes
//   a[l] = sum over e = 64 p + 4 l + i (p, i < 4) of scale(e) * code(e) * q(e), l < 16
//          (code: the unsigned stored code; IQ2_XXS moves its signs onto q; Q6_K subtracts
//          32 * (scale * bsum) of groups 2 l, 2 l + 1 from lanes l < 8)
//   m[l] = min-weighted sums of q of groups 2 l, 2 l + 1 (Q2_K, Q4_K), l < 8
// then fp32 lanes F[l] = fma(float(a[l]), s_a * d_x, F[l]) and G[l] = fma(float(m[l]),
// s_m * d_x, G[l]) (s_a = d, or d / 8 for IQ2_XXS; s_m = dmin), and at the row's end
// y = fold(F) - fold(G), fold adding lanes l + h to l for h = n/2, ..., 1.
// Every SIMD target computes exactly this, so the result does not depend on the CPU, the
// batch or the thread split.
// Types without an int8 kernel (Q8_0 and the 32-element types, FP8, BF16, ...) keep the exact
// fp32 path in this mode.
#pragma once
#include <cstdint>

#include "weights/dtype.h"

namespace dseek {

// One 256-column block of a quantised activation row.
struct alignas(64) Q8Block {
  int8_t q[256];
  int16_t bsum[16];  // sum of q over columns [16 g, 16 g + 16)
  float d;
};

// True for the weight types the int8 mode multiplies with int8 activations: Q2_K, Q4_K,
// Q6_K, IQ2_XXS.
bool has_int8_kernel(DType t);

// Quantises x[K] (K a multiple of 256) into K / 256 blocks (SIMD; equal to the scalar
// definition quantize_act_q8_ref).
void quantize_act_q8(const float* x, int64_t K, Q8Block* out);
void quantize_act_q8_ref(const float* x, int64_t K, Q8Block* out);

// The scalar definition: the product of one weight row (nb blocks of type t, as stored) with
// nb activation blocks. Throws dseek::Error for a type without an int8 kernel.
float int8_dot_ref(DType t, const uint8_t* row, const Q8Block* x, int64_t nb);

}  // namespace dseek
