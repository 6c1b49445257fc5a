// topk_bf16 (kernels/topk_bf16.h) gives topk_indices' ids on bf16 scores: many ties, negative
// values, zeros of both signs, every k from none to all; other input falls back.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/numeric.h"
#include "kernels/ops.h"
#include "kernels/topk_bf16.h"

namespace dseek::test {
namespace {

TEST(TopkBf16, EqualsTopkIndicesOnBf16Scores) {
  std::mt19937_64 g(5);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 9);
  for (int64_t n : {1, 2, 17, 1000, 70000}) {
    std::vector<float> v(n);
    for (float& x : v) {
      const int c = pick(g);
      x = c == 0 ? 0.0f : c == 1 ? -0.0f : c < 5 ? bf16_round(std::round(d(g) * 4) / 4) : bf16_round(d(g) * 100);
    }
    for (int64_t k : {int64_t{0}, int64_t{1}, int64_t{16}, int64_t{512}, n - 1, n, n + 3}) {
      if (k < 0) continue;
      ASSERT_EQ(topk_bf16(v.data(), n, k), topk_indices(v.data(), n, k)) << "n " << n << " k " << k;
    }
  }
  // All equal: the lowest ids.
  std::vector<float> same(100, 0.5f);
  EXPECT_EQ(topk_bf16(same.data(), 100, 3), (std::vector<int32_t>{0, 1, 2}));
}

TEST(TopkBf16, FallsBackOnOtherValues) {
  std::vector<float> v = {0.1f, 3.0f, -1.0f, 2.5f, 0.30000001f};  // 0.1 is not a bf16 value
  EXPECT_EQ(topk_bf16(v.data(), 5, 2), topk_indices(v.data(), 5, 2));
  std::vector<float> w = {1.0f, INFINITY, 2.0f, -INFINITY};
  EXPECT_EQ(topk_bf16(w.data(), 4, 2), (std::vector<int32_t>{1, 2}));
}

}  // namespace
}  // namespace dseek::test
