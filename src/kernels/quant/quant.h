// ggml's block-quantised weight formats (GGUF): dequantisation and quantisation of rows.
// Block layouts are exactly ggml's (ggml-common.h: block_q4_0, block_q2_K, block_iq2_xxs, ...);
// the IQ grids and the IQ4_NL value table are format constants (grids.h).
//
// Reference code: plain scalar loops, bit-exact to ggml's C `to_float` (checked against
// ../shared/fixtures/gguf golden.quant.safetensors `dequant.*`). The SIMD kernels in
// kernels/ must produce exactly these values.
#pragma once
#include <cstdint>

#include "weights/dtype.h"

namespace dseek {

// Dequantises n elements (n a multiple of dtype_block_elems(t)) stored at src as whole blocks
// into dst. Plain types F32, F16, BF16 are accepted too (n elements). Throws dseek::Error for
// a type that is neither.
void dequant_row_ref(DType t, const uint8_t* src, float* dst, int64_t n);

// True for the types quantize_row() can write.
bool can_quantize(DType t);
// True for the types whose quantizer needs an importance matrix (IQ2_XXS, IQ3_XXS, IQ1_S).
bool quantize_needs_imatrix(DType t);

// Quantises n floats (n a multiple of the type's block) into dst (dtype_row_bytes(t, n)
// bytes). importance: optional per-column weights [n] (llama.cpp's imatrix in_sum2/counts),
// nullptr for none. Follows ggml's quantize_row_*_ref / quantize_*_impl choices so that Q8_0
// output is byte-identical to ggml's. Throws dseek::Error for a type it cannot write.
void quantize_row(DType t, const float* src, uint8_t* dst, int64_t n, const float* importance = nullptr);

}  // namespace dseek
