// scan_nonfinite: NaN / Inf found from the stored bits of every storage type, counted, and the
// first one located (element, or block for ggml block types).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/quant/scan_finite.h"

namespace dseek {
namespace {

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(ScanFinite, FloatTypes) {
  std::vector<float> f(3000, 1.5f);
  auto r = scan_nonfinite(DType::F32, bytes_of(f).data(), f.size() * 4);
  EXPECT_EQ(r.count, 0);
  EXPECT_EQ(r.first, -1);
  f[2047] = std::numeric_limits<float>::quiet_NaN();
  f[2999] = -std::numeric_limits<float>::infinity();
  r = scan_nonfinite(DType::F32, bytes_of(f).data(), f.size() * 4);
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.first, 2047);
  // BF16 / F16: Inf and NaN patterns; the largest finite values are not flagged.
  std::vector<uint16_t> bf = {0x3F80, 0x7F7F, 0xFF80, 0x7FC1, 0x0001};
  r = scan_nonfinite(DType::BF16, bytes_of(bf).data(), bf.size() * 2);
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.first, 2);
  std::vector<uint16_t> h = {0x7BFF, 0x3C00, 0xFC00, 0x7E00};
  r = scan_nonfinite(DType::F16, bytes_of(h).data(), h.size() * 2);
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.first, 2);
  // e4m3fn: only S.1111.111 is NaN (0x7E = 448 is finite); E8M0: 0xFF.
  std::vector<uint8_t> f8 = {0x7E, 0xFE, 0x00, 0xFF, 0x7F};
  r = scan_nonfinite(DType::F8_E4M3, f8.data(), f8.size());
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.first, 3);
  std::vector<uint8_t> e8 = {0x7F, 0xFE, 0xFF};
  r = scan_nonfinite(DType::F8_E8M0, e8.data(), e8.size());
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.first, 2);
  // FP4 and integers: nothing can be non-finite.
  EXPECT_EQ(scan_nonfinite(DType::F4_E2M1, e8.data(), e8.size()).count, 0);
  EXPECT_EQ(scan_nonfinite(DType::I32, bytes_of(f).data(), f.size() * 4).count, 0);
}

TEST(ScanFinite, BlockScales) {
  // Q4_K: d at byte 0, dmin at 2 of each 144-byte block; the codes (all 0xFF) are not values.
  std::vector<uint8_t> q(144 * 4, 0xFF);
  for (int b = 0; b < 4; ++b) {
    const uint16_t one = 0x3C00;
    std::memcpy(q.data() + 144 * b, &one, 2);
    std::memcpy(q.data() + 144 * b + 2, &one, 2);
  }
  EXPECT_EQ(scan_nonfinite(DType::Q4_K, q.data(), q.size()).count, 0);
  const uint16_t inf = 0x7C00;
  std::memcpy(q.data() + 144 * 2 + 2, &inf, 2);  // block 2's dmin
  auto r = scan_nonfinite(DType::Q4_K, q.data(), q.size());
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.first, 2);
  // Q6_K: d at 208 of 210; Q2_K: d, dmin at 80, 82 of 84.
  std::vector<uint8_t> q6(210 * 3, 0);
  std::memcpy(q6.data() + 210 + 208, &inf, 2);
  r = scan_nonfinite(DType::Q6_K, q6.data(), q6.size());
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.first, 1);
  std::vector<uint8_t> q2(84 * 2, 0);
  const uint16_t nan = 0x7E01;
  std::memcpy(q2.data() + 82, &nan, 2);
  r = scan_nonfinite(DType::Q2_K, q2.data(), q2.size());
  EXPECT_EQ(r.count, 1);
  EXPECT_EQ(r.first, 0);
}

}  // namespace
}  // namespace dseek
