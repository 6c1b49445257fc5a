// The indexer's Hadamard rotation against the unit vectors (1e-5) and its algebra.
#include <gtest/gtest.h>

#include <cmath>

#include "model_v4/hadamard_v4.h"
#include "runtime/error.h"
#include "unit_golden.h"

namespace dseek::test {
namespace {

TEST(IndexerHadamard, MatchesGolden) {
  UnitGoldenV4 g = UnitGoldenV4::load();
  ASSERT_EQ(g.shape("hadamard.x"), (std::vector<int64_t>{4, 128}));
  std::vector<float> x = g.f32("hadamard.x");
  const std::vector<float> want = g.f32("hadamard.y");
  indexer_hadamard(x.data(), 4, 128);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], want[i], 1e-5) << "row " << i / 128 << " col " << i % 128;
}

TEST(IndexerHadamard, OrthonormalAndSelfInverse) {
  UnitGoldenV4 g = UnitGoldenV4::load();
  const std::vector<float> x0 = g.f32("hadamard.x");
  std::vector<float> x = x0;
  indexer_hadamard(x.data(), 4, 128);
  for (int r = 0; r < 4; ++r) {
    double n0 = 0, n1 = 0;
    for (int i = 0; i < 128; ++i) n0 += double(x0[r * 128 + i]) * x0[r * 128 + i], n1 += double(x[r * 128 + i]) * x[r * 128 + i];
    EXPECT_NEAR(n1, n0, 1e-4 * n0);
  }
  indexer_hadamard(x.data(), 4, 128);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], x0[i], 1e-5);
}

TEST(IndexerHadamard, RefusesWidthsThatAreNotPowersOfTwo) {
  std::vector<float> x(96);
  try {
    indexer_hadamard(x.data(), 1, 96);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "indexer Hadamard rotation: width 96 is not a power of two");
  }
}

}  // namespace
}  // namespace dseek::test
