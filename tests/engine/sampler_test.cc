// Sampling filters: greedy, top-k, top-p, min-p, seeds, NaN logits.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "engine/sampler.h"

namespace dseek::test {
namespace {

std::vector<float> logits_of(std::vector<double> probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}

std::map<int32_t, int> draw(const SamplingParams& p, const std::vector<float>& l, int n) {
  Sampler s(p);
  std::map<int32_t, int> c;
  for (int i = 0; i < n; ++i) ++c[s.sample(l.data(), static_cast<int64_t>(l.size()))];
  return c;
}

TEST(Sampler, FiltersAndSeeds) {
  const std::vector<float> l = logits_of({0.5, 0.3, 0.15, 0.05});
  SamplingParams greedy;
  greedy.temperature = 0;
  EXPECT_EQ(draw(greedy, l, 10), (std::map<int32_t, int>{{0, 10}}));
  SamplingParams p;
  p.seed = 7;
  p.top_p = 1.0f;
  auto all = draw(p, l, 4000);
  EXPECT_EQ(all.size(), 4u);
  EXPECT_NEAR(all[0] / 4000.0, 0.5, 0.04);
  EXPECT_NEAR(all[3] / 4000.0, 0.05, 0.02);
  p.top_k = 2;
  EXPECT_EQ(draw(p, l, 500).size(), 2u);
  p.top_k = 0;
  p.top_p = 0.75f;  // 0.5 + 0.3 reaches it: tokens 0 and 1
  auto nucleus = draw(p, l, 500);
  EXPECT_EQ(nucleus.size(), 2u);
  p.top_p = 1.0f;
  p.min_p = 0.5f;  // keeps p >= 0.25: tokens 0 and 1
  EXPECT_EQ(draw(p, l, 500).size(), 2u);
  SamplingParams a, b;
  a.seed = b.seed = 42;
  EXPECT_EQ(draw(a, l, 50), draw(b, l, 50));  // same seed, same draws
}

TEST(Sampler, LargeVocabularyAndNaN) {
  std::vector<float> l(129280, 0.0f);
  l[77] = 30.0f;  // nearly all mass
  l[5] = std::numeric_limits<float>::quiet_NaN();
  SamplingParams p;
  p.seed = 3;
  auto c = draw(p, l, 200);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.begin()->first, 77);
  SamplingParams g;
  g.temperature = 0;
  EXPECT_EQ(draw(g, l, 1).begin()->first, 77);
}

}  // namespace
}  // namespace dseek::test
