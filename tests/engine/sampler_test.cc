// Sampling filters: greedy, top-k, top-p, min-p, seeds, NaN logits; penalties and logit bias.
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

// Greedy picks over `steps` calls on the same logits (the penalties see the earlier picks).
std::vector<int32_t> greedy_run(SamplingParams p, const std::vector<float>& l, int steps,
                                const std::vector<int32_t>& prompt = {}) {
  p.temperature = 0;
  Sampler s(p);
  s.set_prompt(prompt);
  std::vector<int32_t> out;
  for (int i = 0; i < steps; ++i) out.push_back(s.sample(l.data(), static_cast<int64_t>(l.size())));
  return out;
}

TEST(Sampler, FrequencyAndPresencePenalties) {
  const std::vector<float> l = {3.0f, 2.5f, 2.4f, -1.0f};
  SamplingParams f;
  f.frequency_penalty = 1;  // 0: 3 - c0, 1: 2.5 - c1, 2: 2.4 - c2
  EXPECT_EQ(greedy_run(f, l, 6), (std::vector<int32_t>{0, 1, 2, 0, 1, 2}));
  SamplingParams p;
  p.presence_penalty = 1;  // each once (2, 1.5, 1.4 after), then 0 for ever
  EXPECT_EQ(greedy_run(p, l, 6), (std::vector<int32_t>{0, 1, 2, 0, 0, 0}));
  SamplingParams none;
  EXPECT_EQ(greedy_run(none, l, 3), (std::vector<int32_t>{0, 0, 0}));
}

TEST(Sampler, RepetitionPenaltyCountsThePrompt) {
  const std::vector<float> l = {2.0f, 1.5f, -0.5f, -0.6f};
  SamplingParams r;
  r.repetition_penalty = 2;  // seen: positive logits halved, negative ones doubled
  // 0 is in the prompt: 1.0 < 1.5, so 1; then 1 is seen too (0.75 < 1.0): 0.
  EXPECT_EQ(greedy_run(r, l, 2, {0}), (std::vector<int32_t>{1, 0}));
  // Without 0 in the prompt, 0 first.
  EXPECT_EQ(greedy_run(r, l, 1), (std::vector<int32_t>{0}));
  // Negative logits get worse: with 0 and 1 banned, 2 (-0.5) wins until it is seen (-1.0).
  r.logit_bias = {{0, -100}, {1, -100}};
  EXPECT_EQ(greedy_run(r, l, 2), (std::vector<int32_t>{2, 3}));
}

TEST(Sampler, LogitBiasBansAndBoosts) {
  const std::vector<float> l = logits_of({0.5, 0.3, 0.15, 0.05});
  SamplingParams p;
  p.seed = 5;
  p.top_p = 1;
  p.logit_bias = {{0, -100}};
  auto c = draw(p, l, 2000);
  EXPECT_EQ(c.count(0), 0u);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(greedy_run(p, l, 1), (std::vector<int32_t>{1}));
  // A ban holds against any penalty (bans are applied last) and in the tail of top-p.
  p.frequency_penalty = -2;
  p.top_p = 0.999f;
  EXPECT_EQ(draw(p, l, 2000).count(0), 0u);
  SamplingParams b;
  b.seed = 5;
  b.logit_bias = {{3, 100}};
  EXPECT_EQ(draw(b, l, 500), (std::map<int32_t, int>{{3, 500}}));
  // A moderate bias moves mass: +log(10) on the 0.05 token makes it about 0.34.
  SamplingParams m;
  m.seed = 5;
  m.top_p = 1;
  m.logit_bias = {{3, static_cast<float>(std::log(10.0))}};
  EXPECT_NEAR(draw(m, l, 4000)[3] / 4000.0, 0.5 / 1.45, 0.03);
}

}  // namespace
}  // namespace dseek::test
