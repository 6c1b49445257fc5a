// Random weight matrices (FP8 with random power-of-two block scales, BF16, F32) and
// activations for the kernel tests.
#pragma once
#include <cmath>
#include <cstring>
#include <random>
#include <span>
#include <vector>

#include "kernels/matrix.h"
#include "kernels/numeric.h"
#include "weights/dtype.h"

namespace dseek::test {

// The weights start `misalign` bytes past a 64-byte boundary (weights sit at any offset in a
// mapped file; the kernels must not depend on it).
struct RandomMatrix {
  std::vector<uint8_t> storage;
  std::span<uint8_t> data;
  std::vector<float> scale;
  Matrix m;
  RandomMatrix(DType t, int64_t rows, int64_t cols, uint32_t seed, int misalign = 0) {
    std::mt19937 g(seed);
    m.dtype = t;
    m.rows = rows;
    m.cols = cols;
    const size_t bytes = rows * cols * dtype_size(t);
    storage.resize(bytes + 128);
    const size_t at = (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64 + misalign;
    data = std::span<uint8_t>(storage.data() + at, bytes);
    if (t == DType::F8_E4M3) {
      std::uniform_int_distribution<int> code(0, 255);
      for (auto& b : data) {
        b = static_cast<uint8_t>(code(g));
        if ((b & 0x7f) == 0x7f) b = 0x00;  // no NaN codes
      }
      scale.resize(((rows + 127) / 128) * ((cols + 127) / 128));
      std::uniform_int_distribution<int> e(-12, -4);
      for (auto& s : scale) s = std::ldexp(1.0f, e(g));
      m.scale = scale.data();
    } else if (t == DType::BF16) {
      std::normal_distribution<float> n(0, 0.05f);
      for (int64_t i = 0; i < rows * cols; ++i) {
        uint16_t b = f32_to_bf16(n(g));
        std::memcpy(data.data() + 2 * i, &b, 2);
      }
    } else {
      std::normal_distribution<float> n(0, 0.05f);
      for (int64_t i = 0; i < rows * cols; ++i) {
        float f = n(g);
        std::memcpy(data.data() + 4 * i, &f, 4);
      }
    }
    m.data = data.data();
  }
};

inline std::vector<float> random_x(int64_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0, 1);
  std::vector<float> x(n);
  for (auto& v : x) v = d(g);
  return x;
}

}  // namespace dseek::test
