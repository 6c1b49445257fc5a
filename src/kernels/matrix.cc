#include "kernels/matrix.h"

#include <algorithm>

#include "kernels/numeric.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/quant.h"

namespace dseek {

int64_t Matrix::row_bytes() const {
  if (dtype == DType::F8_E4M3) return cols;
  return static_cast<int64_t>(dtype_row_bytes(dtype, cols));
}

float Matrix::at(int64_t r, int64_t c) const {
  float v;
  row(r, &v, c, 1);
  return v;
}

void Matrix::row(int64_t r, float* out, int64_t c0, int64_t n) const {
  if (n < 0) n = cols - c0;
  const uint8_t* w = data + r * row_bytes();
  switch (dtype) {
    case DType::F8_E4M3: {
      if (scale_e8m0) {
        const uint8_t* s = scale_e8m0 + (r / kBlock) * scale_cols();
        for (int64_t c = c0; c < c0 + n; ++c) out[c - c0] = kE4M3Table[w[c]] * e8m0_to_f32(s[c / kBlock]);
      } else {
        const float* s = scale + (r / kBlock) * scale_cols();
        for (int64_t c = c0; c < c0 + n; ++c) out[c - c0] = kE4M3Table[w[c]] * s[c / kBlock];
      }
      return;
    }
    case DType::F4_E2M1: {
      const uint8_t* s = scale_e8m0 + r * (cols / kFp4Group);
      for (int64_t c = c0; c < c0 + n; ++c)
        out[c - c0] = kE2M1Values[(w[c / 2] >> (4 * (c & 1))) & 15] * e8m0_to_f32(s[c / kFp4Group]);
      return;
    }
    case DType::BF16:
      for (int64_t c = c0; c < c0 + n; ++c) out[c - c0] = bf16_to_f32(quant::load_u16(w + 2 * c));
      return;
    case DType::F16:
      for (int64_t c = c0; c < c0 + n; ++c) out[c - c0] = quant::load_f16(w + 2 * c);
      return;
    case DType::F32:
      std::copy_n(reinterpret_cast<const float*>(w) + c0, n, out);
      return;
    default: break;
  }
  // Block types: whole blocks straight into out where the range covers them, the partial
  // first and last blocks through a buffer.
  const int64_t be = dtype_block_elems(dtype), bb = static_cast<int64_t>(dtype_block_bytes(dtype));
  float buf[quant::kQK_K];
  for (int64_t c = c0; c < c0 + n;) {
    const int64_t b = c / be, in = c - b * be, len = std::min(be - in, c0 + n - c);
    if (len == be) {
      dequant_row_ref(dtype, w + b * bb, out + (c - c0), be);
    } else {
      dequant_row_ref(dtype, w + b * bb, buf, be);
      std::copy_n(buf + in, len, out + (c - c0));
    }
    c += len;
  }
}

size_t Matrix::bytes() const {
  size_t n = static_cast<size_t>(rows * row_bytes());
  if (dtype == DType::F8_E4M3)
    n += static_cast<size_t>(((rows + kBlock - 1) / kBlock) * scale_cols()) * (scale_e8m0 ? 1 : 4);
  if (dtype == DType::F4_E2M1) n += static_cast<size_t>(rows * (cols / kFp4Group));
  return n;
}

}  // namespace dseek
