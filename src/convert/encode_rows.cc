#include "convert/encode_rows.h"

#include <cstring>
#include <string>

#include "kernels/numeric.h"
#include "kernels/quant/quant.h"
#include "kernels/quant/quantize_helpers.h"
#include "runtime/error.h"

namespace dseek {

void encode_rows(DType t, const float* src, int64_t n_rows, int64_t cols, uint8_t* dst) {
  const int64_t n = n_rows * cols;
  switch (t) {
    case DType::F32:
      std::memcpy(dst, src, static_cast<size_t>(n) * 4);
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) qz::put_u16(dst + 2 * i, qz::fp32_to_fp16(src[i]));
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) qz::put_u16(dst + 2 * i, f32_to_bf16(src[i]));
      return;
    default:
      break;
  }
  if (!is_block_quant(t)) throw Error("cannot write tensor type " + std::string(dtype_name(t)));
  const size_t rb = dtype_row_bytes(t, cols);
  for (int64_t r = 0; r < n_rows; ++r) quantize_row(t, src + r * cols, dst + r * rb, cols);
}

}  // namespace dseek
