// fp32 rows -> the bytes of a GGUF tensor type: ggml block types through the quantizers
// (kernels/quant quantize_row), F32 / F16 / BF16 converted (round to nearest even).
#pragma once
#include <cstdint>

#include "weights/dtype.h"

namespace dseek {

// Encodes n_rows rows of `cols` floats (src, row-major) as type t into dst
// (n_rows * dtype_row_bytes(t, cols) bytes). Throws dseek::Error for a type it cannot write.
void encode_rows(DType t, const float* src, int64_t n_rows, int64_t cols, uint8_t* dst);

}  // namespace dseek
