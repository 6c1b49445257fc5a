#include "kernels/quant/scan_finite.h"

#include <algorithm>
#include <vector>

#include "kernels/quant/blocks.h"

namespace dseek {

namespace {

// Byte offsets of a block type's fp16 scale fields (-1: none).
struct F16Fields {
  int a = -1, b = -1;
};
F16Fields f16_fields(DType t) {
  using namespace quant;
  switch (t) {
    case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: case DType::IQ4_NL: case DType::IQ4_XS:
    case DType::IQ2_XXS: case DType::IQ3_XXS: case DType::IQ1_S:
      return {0, -1};
    case DType::Q4_1: case DType::Q5_1: case DType::Q4_K: case DType::Q5_K:
      return {0, 2};
    case DType::Q2_K: return {off::kQ2K_d, off::kQ2K_dmin};
    case DType::Q3_K: return {off::kQ3K_d, -1};
    case DType::Q6_K: return {off::kQ6K_d, -1};
    default: return {};
  }
}

bool f16_nonfinite(uint16_t h) { return (h & 0x7C00) == 0x7C00; }
bool bf16_nonfinite(uint16_t h) { return (h & 0x7F80) == 0x7F80; }
bool f32_nonfinite(uint32_t u) { return (u & 0x7F800000u) == 0x7F800000u; }

// Element (or block) i of the data: non-finite?
template <typename Pred>
NonFinite scan_items(int64_t n, Pred bad) {
  constexpr int64_t kChunk = int64_t(1) << 20;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<NonFinite> part(static_cast<size_t>(std::max<int64_t>(chunks, 1)));
#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    NonFinite r;
    const int64_t end = std::min(n, (c + 1) * kChunk);
    for (int64_t i = c * kChunk; i < end; ++i)
      if (bad(i)) {
        if (r.first < 0) r.first = i;
        ++r.count;
      }
    part[static_cast<size_t>(c)] = r;
  }
  NonFinite all;
  for (const NonFinite& r : part) {
    if (r.count > 0 && all.first < 0) all.first = r.first;
    all.count += r.count;
  }
  return all;
}

}  // namespace

NonFinite scan_nonfinite(DType t, const uint8_t* data, size_t nbytes) {
  const int64_t n = static_cast<int64_t>(nbytes);
  switch (t) {
    case DType::F32:
      return scan_items(n / 4, [&](int64_t i) { return f32_nonfinite(quant::load_u32(data + 4 * i)); });
    case DType::F16:
      return scan_items(n / 2, [&](int64_t i) { return f16_nonfinite(quant::load_u16(data + 2 * i)); });
    case DType::BF16:
      return scan_items(n / 2, [&](int64_t i) { return bf16_nonfinite(quant::load_u16(data + 2 * i)); });
    case DType::F8_E4M3:
      return scan_items(n, [&](int64_t i) { return (data[i] & 0x7F) == 0x7F; });
    case DType::F8_E8M0:
      return scan_items(n, [&](int64_t i) { return data[i] == 0xFF; });
    default: break;
  }
  const F16Fields f = f16_fields(t);
  if (f.a < 0) return {};  // integer, bool, FP4: nothing can be non-finite
  const int64_t bb = static_cast<int64_t>(dtype_block_bytes(t));
  NonFinite r = scan_items(n / bb, [&](int64_t b) {
    const uint8_t* blk = data + b * bb;
    return f16_nonfinite(quant::load_u16(blk + f.a)) || (f.b >= 0 && f16_nonfinite(quant::load_u16(blk + f.b)));
  });
  return r;
}

}  // namespace dseek
