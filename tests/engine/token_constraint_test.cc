// The engine's structured-output hook: the Sampler never picks a token the constraint masks
// (whatever the logits, the logit bias or the temperature), feeds it every pick, and after_token
// leaves the reasoning free (end ids banned) until its trigger.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "engine/sampler.h"
#include "engine/token_constraint.h"

namespace dseek::test {
namespace {

// Allows only `allowed` (and the end ids once `n_before_end` tokens were accepted); done after
// an end id.
class ListConstraint : public TokenConstraint {
 public:
  ListConstraint(std::vector<int32_t> allowed, std::vector<int32_t> end_ids, int n_before_end)
      : allowed_(std::move(allowed)), end_(std::move(end_ids)), n_before_end_(n_before_end) {}
  void mask(float* logits, int64_t vocab) override {
    std::vector<bool> ok(vocab, false);
    for (int32_t t : allowed_) ok[t] = true;
    if (static_cast<int>(accepted.size()) >= n_before_end_)
      for (int32_t t : end_) ok[t] = true;
    for (int64_t t = 0; t < vocab; ++t)
      if (!ok[t]) logits[t] = -std::numeric_limits<float>::infinity();
  }
  void accept(int32_t token) override { accepted.push_back(token); }
  bool done() const override {
    return !accepted.empty() && std::find(end_.begin(), end_.end(), accepted.back()) != end_.end();
  }
  std::vector<int32_t> accepted;

 private:
  std::vector<int32_t> allowed_, end_;
  int n_before_end_;
};

TEST(TokenConstraint, SamplerPicksOnlyAllowedTokens) {
  std::vector<float> logits = {5, 4, 3, 2, 1, 0};  // token 0 is the model's favourite
  for (float temperature : {0.0f, 1.0f, 2.0f}) {
    SamplingParams p;
    p.temperature = temperature;
    p.top_p = 1;
    p.seed = 7;
    p.logit_bias = {{3, 100.0f}};  // a bias cannot lift a masked token
    Sampler s(p);
    auto c = std::make_unique<ListConstraint>(std::vector<int32_t>{2, 4}, std::vector<int32_t>{5}, 3);
    ListConstraint* seen = c.get();
    s.set_constraint(std::move(c));
    for (int i = 0; i < 3; ++i) {
      const int32_t id = s.sample(logits.data(), 6);
      EXPECT_TRUE(id == 2 || id == 4) << id;
      EXPECT_FALSE(s.constraint_done());
    }
    EXPECT_EQ(seen->accepted.size(), 3u);
    if (temperature == 0) {
      EXPECT_EQ(seen->accepted, (std::vector<int32_t>{2, 2, 2}));
    }
  }
  // Once the end id is allowed and the only choice left, it is picked and the constraint is done.
  SamplingParams greedy;
  greedy.temperature = 0;
  Sampler s(greedy);
  s.set_constraint(std::make_unique<ListConstraint>(std::vector<int32_t>{}, std::vector<int32_t>{5}, 0));
  EXPECT_EQ(s.sample(logits.data(), 6), 5);
  EXPECT_TRUE(s.constraint_done());
}

TEST(TokenConstraint, AfterTokenStartsAtTheTrigger) {
  ListConstraint* inner = nullptr;
  ConstraintFactory make = [&](const std::vector<int32_t>& end_ids) -> std::unique_ptr<TokenConstraint> {
    auto c = std::make_unique<ListConstraint>(std::vector<int32_t>{1}, end_ids, 1);
    inner = c.get();
    return c;
  };
  auto gated = after_token(make, /*trigger=*/3)({5});
  std::vector<float> l(6, 0.0f);
  gated->mask(l.data(), 6);  // before the trigger: all free but the end id
  EXPECT_EQ(l, (std::vector<float>{0, 0, 0, 0, 0, -std::numeric_limits<float>::infinity()}));
  gated->accept(0);
  gated->accept(3);  // the trigger itself is free text's last token
  EXPECT_TRUE(inner->accepted.empty());
  std::fill(l.begin(), l.end(), 0.0f);
  gated->mask(l.data(), 6);
  const float ninf = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(l, (std::vector<float>{ninf, 0, ninf, ninf, ninf, ninf}));
  gated->accept(1);
  EXPECT_FALSE(gated->done());
  gated->accept(5);
  EXPECT_TRUE(gated->done());
  EXPECT_EQ(inner->accepted, (std::vector<int32_t>{1, 5}));
  // No trigger: the inner constraint itself, from the first token.
  EXPECT_FALSE(after_token(make, -1)({5}) == nullptr);
  EXPECT_FALSE(after_token(ConstraintFactory{}, 3));
}

}  // namespace
}  // namespace dseek::test
