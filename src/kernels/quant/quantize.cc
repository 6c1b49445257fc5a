// quantize_row / can_quantize / quantize_needs_imatrix (quant.h): dispatch to the family
// quantizers of quantize_legacy.cc, quantize_k.cc and quantize_iq4.cc.
#include <string>

#include "kernels/quant/quant.h"
#include "kernels/quant/quantize_helpers.h"
#include "runtime/error.h"

namespace dseek {

bool can_quantize(DType t) {
  switch (t) {
    case DType::Q8_0: case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1:
    case DType::IQ4_NL: case DType::Q2_K: case DType::Q3_K: case DType::Q4_K: case DType::Q5_K:
    case DType::Q6_K: case DType::IQ4_XS:
      return true;
    default:
      return false;
  }
}

bool quantize_needs_imatrix(DType t) {
  return t == DType::IQ2_XXS || t == DType::IQ3_XXS || t == DType::IQ1_S;
}

void quantize_row(DType t, const float* src, uint8_t* dst, int64_t n, const float* importance) {
  if (!can_quantize(t))
    throw Error("quantize_row: no quantizer for type " + std::string(dtype_name(t)));
  const int64_t blk = dtype_block_elems(t);
  if (n < 0 || n % blk != 0)
    throw Error("quantize_row: " + std::to_string(n) + " elements is not a whole number of " +
                std::string(dtype_name(t)) + " blocks (" + std::to_string(blk) + ")");
  const float* w = importance;
  switch (t) {
    case DType::Q8_0: qz::quantize_q8_0(src, dst, n); break;
    case DType::Q4_0: qz::quantize_q4_0(src, dst, n, w); break;
    case DType::Q4_1: qz::quantize_q4_1(src, dst, n, w); break;
    case DType::Q5_0: qz::quantize_q5_0(src, dst, n, w); break;
    case DType::Q5_1: qz::quantize_q5_1(src, dst, n, w); break;
    case DType::IQ4_NL: qz::quantize_iq4_nl(src, dst, n, w); break;
    case DType::IQ4_XS: qz::quantize_iq4_xs(src, dst, n, w); break;
    case DType::Q2_K: qz::quantize_q2_k(src, dst, n, w); break;
    case DType::Q3_K: qz::quantize_q3_k(src, dst, n, w); break;
    case DType::Q4_K: qz::quantize_q4_k(src, dst, n, w); break;
    case DType::Q5_K: qz::quantize_q5_k(src, dst, n, w); break;
    case DType::Q6_K: qz::quantize_q6_k(src, dst, n, w); break;
    default: break;
  }
}

}  // namespace dseek
