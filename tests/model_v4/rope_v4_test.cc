// RopeV4 against the unit vectors of the real V4-Flash config (fixtures-v4 README: inv_freq 1e-12
// relative, rotations 1e-5 absolute) at positions up to 1048575, plus the per-layer choice of table.
#include <gtest/gtest.h>

#include <cmath>

#include "model_v4/rope_v4.h"
#include "test_paths.h"
#include "unit_golden.h"

namespace dseek::test {
namespace {

ConfigV4 flash() { return ConfigV4::from_file(data_path("deepseek-v4-config/config.json")); }

TEST(RopeV4, InvFreqMatchesGolden) {
  UnitGoldenV4 g = UnitGoldenV4::load();
  const ConfigV4 c = flash();
  for (auto [ratio, tag] : {std::pair{0, "window"}, {4, "compressed"}, {128, "compressed"}}) {
    std::vector<double> want = g.f64(std::string("rope.flash.") + tag + ".inv_freq");
    RopeV4 r = RopeV4::for_ratio(c, ratio);
    ASSERT_EQ(r.inv_freq.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(r.inv_freq[i], want[i], 1e-12 * std::fabs(want[i])) << tag << " i=" << i;
  }
}

TEST(RopeV4, YarnRampOnCompressedLayersOnly) {
  const ConfigV4 c = flash();
  RopeV4 w = RopeV4::for_ratio(c, 0), k = RopeV4::for_ratio(c, 4);
  // Window: plain rope_theta 10000.
  for (size_t i = 0; i < w.inv_freq.size(); ++i)
    EXPECT_DOUBLE_EQ(w.inv_freq[i], std::pow(10000.0, -2.0 * i / 64));
  // Compressed: base 160000, kept up to dim 15, divided by the factor 16 from dim 25 on.
  for (size_t i = 0; i < k.inv_freq.size(); ++i) {
    const double base = std::pow(160000.0, -2.0 * i / 64);
    if (i <= 15) {
      EXPECT_DOUBLE_EQ(k.inv_freq[i], base) << i;
    } else if (i >= 25) {
      EXPECT_DOUBLE_EQ(k.inv_freq[i], base / 16) << i;
    } else {
      EXPECT_TRUE(k.inv_freq[i] < base && k.inv_freq[i] > base / 16) << i;
    }
  }
}

TEST(RopeV4, ForLayerFollowsCompressRatios) {
  const ConfigV4 c = flash();  // ratios [0, 0, 4, 128, ..., 4, 0]
  const RopeV4 w = RopeV4::for_ratio(c, 0), k = RopeV4::for_ratio(c, 4);
  EXPECT_EQ(RopeV4::for_layer(c, 0).inv_freq, w.inv_freq);
  EXPECT_EQ(RopeV4::for_layer(c, 2).inv_freq, k.inv_freq);
  EXPECT_EQ(RopeV4::for_layer(c, 3).inv_freq, k.inv_freq);  // HCA: the same table as CSA
  EXPECT_EQ(RopeV4::for_layer(c, 43).inv_freq, w.inv_freq);  // the MTP block (ratio 0)
  EXPECT_THROW(RopeV4::for_layer(c, 44), std::out_of_range);
}

TEST(RopeV4, RotationAndInverseMatchGolden) {
  UnitGoldenV4 g = UnitGoldenV4::load();
  const ConfigV4 c = flash();
  const std::vector<int64_t> pos = g.i64("rope.positions");
  const std::vector<float> x = g.f32("rope.x");
  ASSERT_EQ(pos.back(), 1048575);
  for (auto [ratio, tag] : {std::pair{0, "window"}, {4, "compressed"}}) {
    const RopeV4 r = RopeV4::for_ratio(c, ratio);
    for (bool inverse : {false, true}) {
      std::vector<float> want = g.f32(std::string("rope.flash.") + tag + (inverse ? ".y_inverse" : ".y"));
      ASSERT_EQ(want.size(), pos.size() * 64);
      std::vector<float> y = x;
      for (size_t t = 0; t < pos.size(); ++t) r.apply(y.data() + t * 64, 1, 64, pos[t], inverse);
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_NEAR(y[i], want[i], 1e-5) << tag << (inverse ? " inverse" : "") << " row " << i / 64 << " col " << i % 64;
    }
  }
}

TEST(RopeV4, RotatesLastDimsOfEveryVector) {
  const ConfigV4 c = flash();
  const RopeV4 r = RopeV4::for_ratio(c, 4);
  UnitGoldenV4 g = UnitGoldenV4::load();
  const std::vector<float> x = g.f32("rope.x"), want = g.f32("rope.flash.compressed.y");
  const int64_t pos = g.i64("rope.positions")[7];  // 65536
  // Three heads of head_dim 512 (real Flash q): nope dims untouched, rope dims = the golden.
  const int64_t D = c.head_dim, H = 3;
  std::vector<float> q(H * D);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < D; ++i) q[h * D + i] = i < D - 64 ? float(h * 1000 + i) : x[7 * 64 + (i - (D - 64))];
  r.apply(q.data(), H, D, pos);
  for (int64_t h = 0; h < H; ++h)
    for (int64_t i = 0; i < D; ++i) {
      if (i < D - 64)
        ASSERT_EQ(q[h * D + i], float(h * 1000 + i));
      else
        ASSERT_NEAR(q[h * D + i], want[7 * 64 + (i - (D - 64))], 1e-5) << h << " " << i;
    }
  r.apply(q.data(), H, D, pos, /*inverse=*/true);
  for (int64_t i = D - 64; i < D; ++i) EXPECT_NEAR(q[i], x[7 * 64 + (i - (D - 64))], 1e-5);
}

}  // namespace
}  // namespace dseek::test
