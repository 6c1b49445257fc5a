// The SIMD linear kernel against the scalar reference, over FP8 (partial 128-blocks on both
// axes), BF16 and F32 weights; and its determinism: a token's output does not depend on the
// other tokens in the call or on the thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/gemm_hwy.h"
#include "kernels/linear.h"
#include "kernels/numeric.h"
#include "runtime/threads.h"
#include "kernels/test_matrices.h"

namespace dseek::test {
namespace {

TEST(Linear, MatchesReferenceAllDtypesAndShapes) {
  for (DType t : {DType::F8_E4M3, DType::BF16, DType::F32})
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{320, 256}, {192, 320}, {7, 50}, {576, 1024}, {5, 17}})
      for (int64_t T : {1, 3, 4, 9}) {
        RandomMatrix w(t, rows, cols, 1234 + rows + cols);
        std::vector<float> x = random_x(T * cols, 99), y(T * rows), yr(T * rows);
        linear(x.data(), T, w.m, y.data());
        linear_reference(x.data(), T, w.m, yr.data());
        for (size_t i = 0; i < y.size(); ++i)
          ASSERT_NEAR(y[i], yr[i], 1e-4f * (1 + std::fabs(yr[i])))
              << dtype_name(t) << " " << rows << "x" << cols << " T=" << T << " i=" << i;
        // A row range r0.. gives the same values as the full product.
        std::vector<float> part(T * 3);
        linear(x.data(), T, w.m, part.data(), 2, 3);
        for (int64_t tt = 0; tt < T; ++tt)
          for (int j = 0; j < 3; ++j) ASSERT_EQ(part[tt * 3 + j], y[tt * rows + 2 + j]);
      }
}

TEST(Linear, TokenResultIndependentOfBatchAndThreads) {
  RandomMatrix w(DType::F8_E4M3, 2051, 1536, 7);  // 2051: the banded decode path has leftover rows
  // T = 37: the blocked (panel) path; 2..4: banded decode tiles; 1: the 8-band tile.
  for (int64_t T : {37, 2, 3, 4}) {
    std::vector<float> x = random_x(T * 1536, 5), yb(T * 2051);
    const int before = num_threads();
    set_num_threads(2);
    linear(x.data(), T, w.m, yb.data());
    set_num_threads(1);
    for (int64_t t = 0; t < T; ++t) {
      std::vector<float> y1(2051);
      linear(x.data() + t * 1536, 1, w.m, y1.data());
      for (int64_t j = 0; j < 2051; ++j) ASSERT_EQ(y1[j], yb[t * 2051 + j]) << "T " << T << " token " << t << " row " << j;
    }
    set_num_threads(before);
  }
  std::cerr << "SIMD target: " << simd_target_name() << "\n";
}

}  // namespace
}  // namespace dseek::test
