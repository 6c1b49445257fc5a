// Matrix: a read-only view of a weight matrix exactly as the checkpoint ships it
// (row-major [rows, cols] = [out_features, in_features]).
//   F8_E4M3: codes + block scales, one per 128x128 block [ceil(rows/128), ceil(cols/128)]
//            (edge blocks partial): fp32 `scale` (V3's `weight_scale_inv`) or the E8M0 bytes
//            `scale_e8m0` (V4's `.scale`, powers of two); W[r, c] = e4m3(code[r, c]) * s[r / 128, c / 128].
//   F4_E2M1: two e2m1 codes a byte (column c in the low nibble of byte c / 2 when c is even,
//            the high nibble when odd) + E8M0 `scale_e8m0` [rows, cols / 32] (cols a multiple of
//            32); W[r, c] = e2m1(code[r, c]) * 2^(scale_e8m0[r, c / 32] - 127) (V4's experts).
//   BF16, F16, F32: plain values.
//   ggml block types (Q8_0, Q4_K, IQ2_XXS, ... as GGUF ships them): each row is whole blocks
//            back to back (cols a multiple of dtype_block_elems), row r at data + r * row_bytes();
//            W[r, c] = dequant_row_ref's value (bit-exact to ggml's to_float).
// The E8M0 scales stay the bytes the checkpoint holds: kernels decode them in registers (a
// float copy of the per-32 FP4 scales would add a quarter to the experts' memory).
#pragma once
#include <cstdint>
#include <string>

#include "weights/dtype.h"

namespace dseek {

struct Matrix {
  DType dtype = DType::F32;
  int64_t rows = 0, cols = 0;
  const uint8_t* data = nullptr;
  const float* scale = nullptr;  // F8_E4M3 with fp32 block scales
  std::string name;
  // E8M0 scale bytes as stored: F8_E4M3's 128x128 block scales (then `scale` is null) or
  // F4_E2M1's per-32 scales. (Last, so that {dtype, rows, cols, data, scale, name} still builds one.)
  const uint8_t* scale_e8m0 = nullptr;

  static constexpr int kBlock = 128;
  static constexpr int kFp4Group = 32;  // F4_E2M1 columns a scale
  int64_t scale_cols() const { return (cols + kBlock - 1) / kBlock; }
  // Bytes of one row in `data` (block types and F4_E2M1: whole blocks; 0 when cols is not a
  // multiple of the type's block).
  int64_t row_bytes() const;
  // W[r, c] as fp32 (slow path: tests and one-off uses).
  float at(int64_t r, int64_t c) const;
  // Dequantises row r, columns [c0, c0 + n) (n < 0: to the end), into out. Any range, also for
  // block types (the blocks it overlaps are decoded, the range copied out).
  void row(int64_t r, float* out, int64_t c0 = 0, int64_t n = -1) const;
  // Bytes of data (+ the FP8 or FP4 scales).
  size_t bytes() const;
};

}  // namespace dseek
