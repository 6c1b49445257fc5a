// DeepSeek's activation quantisation (official numerics): per 1x128 block of the last
// dimension, scale = amax / 448 computed in fp32 (amax floored at 1e-4), rounded up to a
// power of two when scale_fmt is "ue8m0"; values = e4m3(x / scale). A partial last block uses
// its own amax. Source: DeepSeek-V3.2 inference kernel.py `act_quant`; oracle act_qdq.
#pragma once
#include <cstdint>

namespace dseek {

// Quantises one row of n values: codes[n] (e4m3 values, as fp32 on the grid) and
// scales[ceil(n/128)].
void act_quant_row(const float* x, int64_t n, bool pow2_scale, float* q, float* scales);

// Quantise-dequantise in place, T rows of n values (what an FP8 GEMM then sees).
void act_qdq(float* x, int64_t T, int64_t n, bool pow2_scale);

// The same recipe with blocks of `block` values (DeepSeek-V4 `act_quant(x, block_size)`: 64 for
// the FP8 simulation of the KV entries' nope dims). act_quant_row / act_qdq are block = 128.
void act_quant_row_block(const float* x, int64_t n, int64_t block, bool pow2_scale, float* q, float* scales);
void act_qdq_block(float* x, int64_t T, int64_t n, int64_t block, bool pow2_scale);

}  // namespace dseek
