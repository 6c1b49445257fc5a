// The int8 numerics mode: activation quantisation values, the scalar definition against the
// fp32 product on the dequantised weights (within the int8 rounding of the activations), and
// linear_int8 equal to the definition bit for bit on every SIMD target the CPU runs, for any
// token count and thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "hwy/targets.h"
#include "kernels/linear.h"
#include "kernels/matrix.h"
#include "kernels/quant/int8_act.h"
#include "kernels/quant/quant.h"
#include "model/synthetic.h"
#include "runtime/threads.h"

namespace dseek::test {
namespace {

const DType kInt8Types[] = {DType::Q2_K, DType::Q4_K, DType::Q6_K, DType::IQ2_XXS};

struct Weights {
  DType t;
  int64_t rows, cols;
  std::vector<uint8_t> bytes;
  Matrix m() const { return Matrix{t, rows, cols, bytes.data(), nullptr, "w"}; }
};

Weights random_weights(DType t, int64_t rows, int64_t cols, uint64_t seed) {
  Weights w{t, rows, cols, std::vector<uint8_t>(rows * dtype_row_bytes(t, cols))};
  random_quant_blocks(t, w.bytes.data(), rows * cols / dtype_block_elems(t), seed);
  return w;
}

std::vector<float> random_x(int64_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = d(g);
  return x;
}

TEST(Int8Act, QuantisesLikeQ8K) {
  std::vector<float> x(512, 0.0f);
  x[0] = 2.54f;  // amax of block 0: s = 50, d = 1 / 50
  x[1] = -1.0f;  // -50
  x[2] = 0.01f;  // 0.5 -> 0 (half to even)
  x[3] = 0.03f;  // 1.5 -> 2
  x[17] = 1.27f;  // 63.5 -> 64
  Q8Block q[2], r[2];
  quantize_act_q8(x.data(), 512, q);
  quantize_act_q8_ref(x.data(), 512, r);
  for (int b = 0; b < 2; ++b) {
    EXPECT_EQ(std::memcmp(q[b].q, r[b].q, 256), 0);
    EXPECT_EQ(std::memcmp(q[b].bsum, r[b].bsum, 32), 0);
    EXPECT_EQ(q[b].d, r[b].d);
  }
  EXPECT_EQ(q[0].q[0], 127);
  EXPECT_EQ(q[0].q[1], -50);
  EXPECT_EQ(q[0].q[2], 0);
  EXPECT_EQ(q[0].q[3], 2);
  EXPECT_EQ(q[0].q[17], 64);
  EXPECT_EQ(q[0].bsum[0], 127 - 50 + 0 + 2);
  EXPECT_EQ(q[0].bsum[1], 64);
  EXPECT_FLOAT_EQ(q[0].d, 2.54f / 127.0f);
  EXPECT_EQ(q[1].d, 0.0f);  // all-zero block
  for (int i = 0; i < 256; ++i) ASSERT_EQ(q[1].q[i], 0);
}

// The definition is the product on the dequantised weights up to the activations' rounding:
// each x_i moves by at most d / 2, so |error| <= sum_i |w_i| d_block(i) / 2 (+ fp32 slack).
TEST(Int8Act, ReferenceIsTheDequantisedProductWithin8BitActivations) {
  for (DType t : kInt8Types) {
    SCOPED_TRACE(dtype_name(t));
    const int64_t K = 1024, nb = K / 256;
    Weights w = random_weights(t, 8, K, 11);
    for (uint64_t s = 0; s < 3; ++s) {
      std::vector<float> x = random_x(K, 100 + s), row(K);
      std::vector<Q8Block> q(nb);
      quantize_act_q8(x.data(), K, q.data());
      for (int64_t r = 0; r < w.rows; ++r) {
        w.m().row(r, row.data());
        double exact = 0, bound = 0, mag = 0;
        for (int64_t i = 0; i < K; ++i) {
          exact += double(row[i]) * x[i];
          bound += std::fabs(row[i]) * q[i / 256].d * 0.5;
          mag += std::fabs(double(row[i]) * x[i]);
        }
        const float got = int8_dot_ref(t, w.bytes.data() + r * dtype_row_bytes(t, K), q.data(), nb);
        EXPECT_LE(std::fabs(got - exact), bound + 1e-5 * mag) << "row " << r;
        EXPECT_GT(std::fabs(got - exact), 0.0);  // x was rounded: not the fp32 product itself
      }
    }
  }
}

void check_equals_reference(const Weights& w, std::initializer_list<int64_t> tokens) {
  const DType t = w.t;
  const int64_t rows = w.rows, cols = w.cols, nb = cols / 256;
  for (int64_t T : tokens) {
    std::vector<float> x = random_x(T * cols, 7 * T), y(T * rows, -1.0f);
    ASSERT_TRUE(linear_int8(x.data(), T, w.m(), y.data()));
    std::vector<Q8Block> q(T * nb);
    for (int64_t i = 0; i < T; ++i) quantize_act_q8_ref(x.data() + i * cols, cols, q.data() + i * nb);
    for (int64_t i = 0; i < T; ++i)
      for (int64_t r = 0; r < rows; ++r) {
        const float want = int8_dot_ref(t, w.bytes.data() + r * dtype_row_bytes(t, cols), q.data() + i * nb, nb);
        ASSERT_EQ(y[i * rows + r], want) << "T " << T << " token " << i << " row " << r;
      }
  }
}

TEST(Int8Linear, EqualsDefinitionOnEveryTarget) {
  const int64_t supported = hwy::SupportedTargets();
  for (int64_t bit = 1; bit > 0; bit <<= 1) {
    if (!(supported & bit)) continue;
    hwy::SetSupportedTargetsForTest(bit);
    SCOPED_TRACE(hwy::TargetName(bit));
    // Activations with ties (k + 0.5 after scaling) and the clamp at +-127.
    std::vector<float> x = random_x(4096, 1);
    for (int i = 0; i < 4096; i += 7) x[i] = (i % 255 - 127) * 0.5f;
    std::vector<Q8Block> q(16), r(16);
    quantize_act_q8(x.data(), 4096, q.data());
    quantize_act_q8_ref(x.data(), 4096, r.data());
    for (int b = 0; b < 16; ++b) {
      ASSERT_EQ(std::memcmp(q[b].q, r[b].q, 256), 0) << "block " << b;
      ASSERT_EQ(std::memcmp(q[b].bsum, r[b].bsum, 32), 0) << "block " << b;
      ASSERT_EQ(q[b].d, r[b].d);
    }
    for (DType t : kInt8Types) {
      SCOPED_TRACE(dtype_name(t));
      check_equals_reference(random_weights(t, 37, 768, 42), {1, 2, 3, 4, 5, 9});
      if (HasFatalFailure()) break;
    }
    hwy::SetSupportedTargetsForTest(0);
    if (HasFatalFailure()) return;
  }
}

// IQ2_XXS rows that use each of the 256 grid points, the 128 stored sign patterns and the 16
// scales (row r shifts them by r), one token: the register lookups and sign masks of every
// target against the definition, rows in pairs and alone.
TEST(Int8Linear, Iq2XxsEveryGridPointSignAndScale) {
  const int64_t rows = 3, cols = 2048, nb = cols / 256;
  Weights w{DType::IQ2_XXS, rows, cols, std::vector<uint8_t>(rows * dtype_row_bytes(DType::IQ2_XXS, cols))};
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t b = 0; b < nb; ++b) {
      uint8_t* blk = w.bytes.data() + (r * nb + b) * 66;
      blk[0] = 0x00, blk[1] = 0x3C;  // d = 1
      for (int j = 0; j < 8; ++j) {
        const int g = static_cast<int>(8 * b + j);  // group g of the row: points 4 g .. 4 g + 3
        uint32_t aux = static_cast<uint32_t>((g + r) % 16) << 28;
        for (int k = 0; k < 4; ++k) {
          blk[2 + 8 * j + k] = static_cast<uint8_t>(4 * g + k + 85 * r);
          aux |= static_cast<uint32_t>((4 * g + k + r) % 128) << (7 * k);
        }
        std::memcpy(blk + 2 + 8 * j + 4, &aux, 4);
      }
    }
  const int64_t supported = hwy::SupportedTargets();
  for (int64_t bit = 1; bit > 0; bit <<= 1) {
    if (!(supported & bit)) continue;
    hwy::SetSupportedTargetsForTest(bit);
    SCOPED_TRACE(hwy::TargetName(bit));
    check_equals_reference(w, {1, 2});
    hwy::SetSupportedTargetsForTest(0);
    if (HasFatalFailure()) return;
  }
}

TEST(Int8Linear, BatchedEqualsAloneAnyThreads) {
  const int before = num_threads();
  for (DType t : kInt8Types) {
    SCOPED_TRACE(dtype_name(t));
    Weights w = random_weights(t, 1027, 2048, 3);
    const int64_t T = 6;
    std::vector<float> x = random_x(T * 2048, 9), alone(T * 1027), batched(T * 1027);
    set_num_threads(1);
    for (int64_t i = 0; i < T; ++i) linear_int8(x.data() + i * 2048, 1, w.m(), alone.data() + i * 1027);
    set_num_threads(3);
    linear_int8(x.data(), T, w.m(), batched.data());
    EXPECT_EQ(alone, batched);
  }
  set_num_threads(before);
}

TEST(Int8Linear, OtherTypesAreLeftToTheExactPath) {
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q5_K, DType::IQ4_XS}) {
    Weights w = random_weights(t, 4, 256, 1);
    std::vector<float> x(256, 1.0f), y(4, 42.0f);
    EXPECT_FALSE(linear_int8(x.data(), 1, w.m(), y.data())) << dtype_name(t);
    EXPECT_EQ(y[0], 42.0f);
  }
}

}  // namespace
}  // namespace dseek::test
