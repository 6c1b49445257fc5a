// Matrix: a read-only view of a weight matrix exactly as the checkpoint ships it
// (row-major [rows, cols] = [out_features, in_features]).
//   F8_E4M3: codes + fp32 `weight_scale_inv` [ceil(rows/128), ceil(cols/128)];
//            W[r, c] = e4m3(code[r, c]) * scale[r / 128, c / 128] (edge blocks partial).
//   BF16, F16, F32: plain values.
//   ggml block types (Q8_0, Q4_K, IQ2_XXS, ... as GGUF ships them): each row is whole blocks
//            back to back (cols a multiple of dtype_block_elems), row r at data + r * row_bytes();
//            W[r, c] = dequant_row_ref's value (bit-exact to ggml's to_float).
#pragma once
#include <cstdint>
#include <string>

#include "weights/dtype.h"

namespace dseek {

struct Matrix {
  DType dtype = DType::F32;
  int64_t rows = 0, cols = 0;
  const uint8_t* data = nullptr;
  const float* scale = nullptr;  // F8_E4M3 only
  std::string name;

  static constexpr int kBlock = 128;
  int64_t scale_cols() const { return (cols + kBlock - 1) / kBlock; }
  // Bytes of one row in `data` (block types: whole blocks; 0 when cols is not a multiple of
  // the type's block).
  int64_t row_bytes() const;
  // W[r, c] as fp32 (slow path: tests and one-off uses).
  float at(int64_t r, int64_t c) const;
  // Dequantises row r, columns [c0, c0 + n) (n < 0: to the end), into out. Any range, also for
  // block types (the blocks it overlaps are decoded, the range copied out).
  void row(int64_t r, float* out, int64_t c0 = 0, int64_t n = -1) const;
  // Bytes of data (+ the FP8 scales).
  size_t bytes() const;
};

}  // namespace dseek
