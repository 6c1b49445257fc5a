// A checkpoint's linear-layer weight as a Matrix, its scales bound as the checkpoint stores
// them (no copy, no conversion):
//   F8_E4M3 [rows, cols] + `<base>.scale` F8_E8M0 [ceil(rows/128), ceil(cols/128)]   (V4)
//                        or `<base>.weight_scale_inv` F32, the same shape              (V3)
//   I8 [rows, cols/2] + `<base>.scale` F8_E8M0 [rows, cols/32]: F4_E2M1, two e2m1 codes a
//                        byte (V4's routed experts)
//   BF16, F16, F32 [rows, cols]; ggml block types [rows, cols] (GGUF)
// where the weight is `<base>.weight`.
#pragma once
#include <cstdint>
#include <string>

#include "kernels/matrix.h"
#include "weights/checkpoint.h"

namespace dseek {

// The weight tensor `name` of ck as a [rows, cols] Matrix (its scale tensor looked up beside
// it). Throws dseek::Error naming the file and tensor for a weight or scale of the wrong shape
// or dtype, an FP4 weight whose columns are not whole 32-column scale groups (an odd packed
// width among them), or a missing scale tensor.
Matrix weight_matrix(const Checkpoint& ck, const std::string& name, int64_t rows, int64_t cols);

// The same from the tensors themselves: `scale` is the weight's scale tensor (null for types
// without one).
Matrix weight_matrix(const TensorView& w, const TensorView* scale, int64_t rows, int64_t cols);

}  // namespace dseek
