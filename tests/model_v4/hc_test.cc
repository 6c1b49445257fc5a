// Hyper-connections: the split + 20-iteration Sinkhorn against the unit vectors (1e-6), and the
// mixes / collapse / expand / head weights against direct sums.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "model_v4/hc.h"
#include "runtime/error.h"
#include "test_paths.h"
#include "unit_golden.h"

namespace dseek::test {
namespace {

ConfigV4 flash() { return ConfigV4::from_file(data_path("deepseek-v4-config/config.json")); }

TEST(HyperConnections, SplitAndSinkhornMatchGolden) {
  UnitGoldenV4 g = UnitGoldenV4::load();
  const ConfigV4 c = flash();  // hc_mult 4, hc_sinkhorn_iters 20, hc_eps 1e-6
  const int n = c.hc_mult;
  ASSERT_EQ(g.shape("hc.mixes"), (std::vector<int64_t>{8, (2 + n) * n}));
  const std::vector<float> mixes = g.f32("hc.mixes"), scale = g.f32("hc.scale"), base = g.f32("hc.base");
  const int64_t T = 8;
  std::vector<float> pre(T * n), post(T * n), comb(T * n * n);
  hc_split(c, mixes.data(), T, scale.data(), base.data(), pre.data(), post.data(), comb.data());
  auto near = [](const std::vector<float>& got, const std::vector<float>& want, const char* what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << what << " " << i;
  };
  near(pre, g.f32("hc.pre"), "pre");
  near(post, g.f32("hc.post"), "post");
  near(comb, g.f32("hc.comb"), "comb");
  // After the final column pass every column sums to ~1; rows approach 1 (20 iterations do not
  // fully converge on these inputs: up to 3% off).
  for (int64_t t = 0; t < T; ++t)
    for (int k = 0; k < n; ++k) {
      double col = 0, row = 0;
      for (int j = 0; j < n; ++j) col += comb[(t * n + j) * n + k], row += comb[(t * n + k) * n + j];
      EXPECT_NEAR(col, 1.0, 1e-5);
      EXPECT_NEAR(row, 1.0, 0.05);
    }
}

TEST(HyperConnections, SinkhornIterationsComeFromConfig) {
  UnitGoldenV4 g = UnitGoldenV4::load();
  ConfigV4 c = flash();
  c.hc_sinkhorn_iters = 1;  // softmax + one column pass: differs from the 20-iteration golden
  const std::vector<float> mixes = g.f32("hc.mixes"), scale = g.f32("hc.scale"), base = g.f32("hc.base");
  std::vector<float> pre(32), post(32), comb(128);
  hc_split(c, mixes.data(), 8, scale.data(), base.data(), pre.data(), post.data(), comb.data());
  const std::vector<float> want = g.f32("hc.comb");
  float diff = 0;
  for (size_t i = 0; i < comb.size(); ++i) diff = std::max(diff, std::fabs(comb[i] - want[i]));
  EXPECT_GT(diff, 1e-4);
}

TEST(HyperConnections, MixesAreNormalisedProjections) {
  const ConfigV4 c = flash();
  const int n = c.hc_mult;
  const int64_t d = 8, T = 3, m = (2 + n) * n, width = n * d;
  std::vector<float> X(T * width), fn(m * width);
  for (size_t i = 0; i < X.size(); ++i) X[i] = std::sin(0.7 * i) * (1 + i % 5);
  for (size_t i = 0; i < fn.size(); ++i) fn[i] = std::cos(0.3 * i) * 0.1f;
  Matrix W{DType::F32, m, width, reinterpret_cast<const uint8_t*>(fn.data()), nullptr, "hc_attn_fn"};
  std::vector<float> mixes(T * m);
  hc_mixes(c, X.data(), T, d, W, mixes.data());
  for (int64_t t = 0; t < T; ++t) {
    double ss = 0;
    for (int64_t i = 0; i < width; ++i) ss += double(X[t * width + i]) * X[t * width + i];
    const double r = 1.0 / std::sqrt(ss / width + c.rms_norm_eps);
    for (int64_t o = 0; o < m; ++o) {
      double dot = 0;
      for (int64_t i = 0; i < width; ++i) dot += double(fn[o * width + i]) * X[t * width + i];
      EXPECT_NEAR(mixes[t * m + o], dot * r, 1e-5 * (1 + std::fabs(dot * r)));
    }
  }
  Matrix bad = W;
  bad.cols = width - 1;
  EXPECT_THROW(hc_mixes(c, X.data(), T, d, bad, mixes.data()), Error);
}

TEST(HyperConnections, CollapseExpandAndHead) {
  const ConfigV4 c = flash();
  const int n = 4;
  const int64_t d = 3, T = 2;
  std::vector<float> X(T * n * d), o(T * d), pre(T * n), post(T * n), comb(T * n * n);
  for (size_t i = 0; i < X.size(); ++i) X[i] = float(i) * 0.5f - 3;
  for (size_t i = 0; i < o.size(); ++i) o[i] = float(i) + 1;
  for (size_t i = 0; i < pre.size(); ++i) pre[i] = 0.1f * (i + 1), post[i] = 2.0f - 0.2f * i;
  for (size_t i = 0; i < comb.size(); ++i) comb[i] = 0.01f * (i % 7) + 0.05f;
  std::vector<float> h(T * d), Y(T * n * d);
  hc_collapse(X.data(), T, n, d, pre.data(), h.data());
  hc_expand(o.data(), X.data(), T, n, d, post.data(), comb.data(), Y.data());
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < d; ++i) {
      double want = 0;
      for (int k = 0; k < n; ++k) want += double(pre[t * n + k]) * X[(t * n + k) * d + i];
      EXPECT_NEAR(h[t * d + i], want, 1e-5);
      for (int k = 0; k < n; ++k) {
        double y = double(post[t * n + k]) * o[t * d + i];
        for (int j = 0; j < n; ++j) y += double(comb[(t * n + j) * n + k]) * X[(t * n + j) * d + i];
        EXPECT_NEAR(Y[(t * n + k) * d + i], y, 1e-5) << t << " " << k << " " << i;
      }
    }
  // Head: sigmoid(mix * scale + base) + hc_eps.
  const float mixes[4] = {0.5f, -1.0f, 2.0f, 0.0f}, scale[1] = {1.5f}, base[4] = {0.1f, 0.2f, -0.3f, 0.0f};
  float hp[4];
  hc_head_pre(c, mixes, 1, scale, base, hp);
  for (int k = 0; k < 4; ++k)
    EXPECT_NEAR(hp[k], 1.0 / (1.0 + std::exp(-(mixes[k] * 1.5 + base[k]))) + 1e-6, 1e-7);
}

}  // namespace
}  // namespace dseek::test
