// Matrix: a read-only view of a weight matrix exactly as the checkpoint ships it
// (row-major [rows, cols] = [out_features, in_features]).
//   F8_E4M3: codes + fp32 `weight_scale_inv` [ceil(rows/128), ceil(cols/128)];
//            W[r, c] = e4m3(code[r, c]) * scale[r / 128, c / 128] (edge blocks partial).
//   BF16, F32: plain values.
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
  // W[r, c] as fp32 (slow path: tests and one-off uses).
  float at(int64_t r, int64_t c) const;
  // Dequantises row r, columns [c0, c0 + n), into out.
  void row(int64_t r, float* out, int64_t c0 = 0, int64_t n = -1) const;
  size_t bytes() const;
};

}  // namespace dseek
