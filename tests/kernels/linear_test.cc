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
        RandomMatrix w(t, rows, cols, 1234 + rows + cols, T == 3 ? 16 : 0);  // T 3: unaligned rows
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

// Every e4m3 code (NaN codes aside) through the decode and panel paths, one column at a time:
// x a unit vector, so y is the weight itself — exact, subnormals and signs included. Row r
// holds code (k + 32 r) mod 256 at column k: each code sits at eight places of the 64-column
// chunks the table-lookup path permutes.
TEST(Linear, Fp8EveryCodeExact) {
  const int64_t rows = 8, cols = 256;
  std::vector<float> scale = {0.5f, 4.0f};  // one 128-row block x two 128-column blocks
  for (int misalign : {0, 16})  // rows on 64-byte boundaries or not
  for (int64_t T : {1, 9}) {  // the 8-band tile and the panel path
    RandomMatrix w(DType::F8_E4M3, rows, cols, 1, misalign);
    std::span<uint8_t> codes = w.data;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < cols; ++k) codes[r * cols + k] = static_cast<uint8_t>((k + 32 * r) % 256);
    Matrix m = w.m;
    m.scale = scale.data();
    for (int64_t k = 0; k < cols; ++k) {
      std::vector<float> x(T * cols, 0.0f), y(T * rows);
      for (int64_t t = 0; t < T; ++t) x[t * cols + k] = 1.0f;
      linear(x.data(), T, m, y.data());
      for (int64_t r = 0; r < rows; ++r) {
        const uint8_t c = codes[r * cols + k];
        if ((c & 0x7f) == 0x7f) continue;
        const float want = e4m3_to_f32(c) * scale[k / 128];
        for (int64_t t = 0; t < T; ++t)
          ASSERT_EQ(y[t * rows + r], want) << "code " << int(c) << " column " << k << " T " << T << " misalign " << misalign;
      }
    }
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
