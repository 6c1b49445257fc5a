#include "kernels/matrix.h"

#include "kernels/numeric.h"

namespace dseek {

float Matrix::at(int64_t r, int64_t c) const {
  switch (dtype) {
    case DType::F8_E4M3:
      return e4m3_to_f32(data[r * cols + c]) * scale[(r / kBlock) * scale_cols() + c / kBlock];
    case DType::BF16: {
      uint16_t b;
      std::memcpy(&b, data + 2 * (r * cols + c), 2);
      return bf16_to_f32(b);
    }
    default: {
      float f;
      std::memcpy(&f, data + 4 * (r * cols + c), 4);
      return f;
    }
  }
}

void Matrix::row(int64_t r, float* out, int64_t c0, int64_t n) const {
  if (n < 0) n = cols - c0;
  switch (dtype) {
    case DType::F8_E4M3: {
      const uint8_t* w = data + r * cols;
      const float* s = scale + (r / kBlock) * scale_cols();
      for (int64_t c = c0; c < c0 + n; ++c) out[c - c0] = kE4M3Table[w[c]] * s[c / kBlock];
      break;
    }
    case DType::BF16: {
      const uint16_t* w = reinterpret_cast<const uint16_t*>(data) + r * cols;
      for (int64_t c = c0; c < c0 + n; ++c) out[c - c0] = bf16_to_f32(w[c]);
      break;
    }
    default: {
      const float* w = reinterpret_cast<const float*>(data) + r * cols;
      for (int64_t c = c0; c < c0 + n; ++c) out[c - c0] = w[c];
    }
  }
}

size_t Matrix::bytes() const {
  size_t n = static_cast<size_t>(rows * cols) * dtype_size(dtype);
  if (dtype == DType::F8_E4M3) n += static_cast<size_t>(((rows + kBlock - 1) / kBlock) * scale_cols()) * 4;
  return n;
}

}  // namespace dseek
