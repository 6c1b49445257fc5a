// Tier-1 parity: the engine in `exact` numerics against golden.exact of both fixtures
// (../shared/fixtures/README.md "Recommended tolerances", tier 1).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "golden.h"
#include "model/model.h"

namespace dseek::test {
namespace {

struct Case {
  const char* model;
  const char* prompt;
};

class ExactParity : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    dir_ = data_path(std::string("fixtures/") + GetParam().model);
    ASSERT_FALSE(dir_.empty()) << "fixture missing";
    model_ = Model::load(dir_, Numerics::Exact);
    golden_ = SafetensorsFile::open(dir_ + "/golden.exact.safetensors");
    p_ = std::string(GetParam().prompt) + ".";
    for (int64_t t : as_i64(golden_->get(p_ + "tokens"))) tokens_.push_back(static_cast<int32_t>(t));
  }
  std::string dir_, p_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<SafetensorsFile> golden_;
  std::vector<int32_t> tokens_;

  int64_t V() const { return model_->config().vocab_size; }

  // Every row within 1e-3; argmax equal where the golden marks the row stable.
  void expect_logits(const std::vector<float>& got, const std::string& name, const std::string& stable_name) {
    std::vector<float> want = as_f32(golden_->get(name));
    ASSERT_EQ(got.size(), want.size()) << name;
    std::vector<uint8_t> stable;
    if (!stable_name.empty()) stable = as_u8(golden_->get(stable_name));
    const int64_t rows = static_cast<int64_t>(want.size()) / V();
    for (int64_t r = 0; r < rows; ++r) {
      const float* g = got.data() + r * V();
      const float* w = want.data() + r * V();
      EXPECT_LE(max_abs_diff(g, w, V()), 1e-3f) << name << " row " << r;
      if (stable.empty() || stable[r]) {
        EXPECT_EQ(argmax_row(g, V()), argmax_row(w, V())) << name << " row " << r;
      }
    }
  }
};

TEST_P(ExactParity, PrefillLogitsTopkExpertsDebug) {
  SequenceCache cache = model_->new_cache();
  Trace trace;
  Batch b{tokens_, std::vector<int32_t>(tokens_.size(), 0)};
  ForwardResult r = model_->forward(b, {&cache}, true, &trace);
  expect_logits(r.logits, p_ + "prefill.logits", p_ + "prefill.stable");
  // Final normed hidden state (the MTP input).
  EXPECT_LE(rel_rms(r.hidden, as_f32(golden_->get(p_ + "prefill.hidden"))), 1e-5);

  const ModelConfig& c = model_->config();
  const int64_t T = static_cast<int64_t>(tokens_.size());
  // Indexer top-k sets, swaps allowed only across near-ties (gap < 1e-5 of the row's max |score|).
  std::vector<int64_t> qpos = as_i64(golden_->get(p_ + "topk.positions"));
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    std::string name = p_ + "topk.layer" + std::to_string(l);
    const TensorView* tv = golden_->find(name);
    if (!tv) continue;
    std::vector<int64_t> want = as_i64(*tv);
    std::vector<float> scores = as_f32(golden_->get(p_ + "index_score.layer" + std::to_string(l)));
    const int64_t K = tv->dim(1);
    for (size_t qi = 0; qi < qpos.size(); ++qi) {
      std::set<int64_t> ws;
      for (int64_t k = 0; k < K; ++k)
        if (want[qi * K + k] >= 0) ws.insert(want[qi * K + k]);
      const auto& got = trace.topk[l][qpos[qi]];
      std::set<int64_t> gs(got.begin(), got.end());
      if (gs == ws) continue;
      // Near-tie tolerance: golden gap between k-th and (k+1)-th score.
      EXPECT_LT(relative_topk_gap(scores.data() + qi * T, qpos[qi] + 1, ws.size()), 1e-5f)
          << name << " query " << qpos[qi] << ": selection differs without a near-tie";
    }
  }
  // Routed experts: identical sets.
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const TensorView* tv = golden_->find(p_ + "experts.layer" + std::to_string(l));
    if (!tv) continue;
    std::vector<int64_t> want = as_i64(*tv);
    const int64_t K = tv->dim(1);
    for (int64_t t = 0; t < T; ++t) {
      std::vector<int64_t> w(want.begin() + t * K, want.begin() + (t + 1) * K);
      std::vector<int64_t> g(trace.experts[l][t].begin(), trace.experts[l][t].end());
      EXPECT_EQ(g, w) << "experts layer " << l << " token " << t;
    }
  }
  // Per-layer debug tensors (prompt0 only): relative RMS <= 1e-5.
  if (golden_->find(p_ + "debug.embed")) {
    EXPECT_LE(rel_rms(trace.tensors["embed"], as_f32(golden_->get(p_ + "debug.embed"))), 1e-5);
    for (int l = 0; l < c.num_hidden_layers; ++l)
      for (const char* what : {"attn_out", "residual", "ffn_out"}) {
        std::string key = "layer" + std::to_string(l) + "." + what;
        EXPECT_LE(rel_rms(trace.tensors[key], as_f32(golden_->get(p_ + "debug." + key))), 1e-5) << key;
      }
  }
  // MTP: row i from h_i and token i+1, one prefill over positions 0..T-2.
  if (golden_->find(p_ + "mtp.logits")) {
    Batch nb{std::vector<int32_t>(tokens_.begin() + 1, tokens_.end()), std::vector<int32_t>(T - 1, 0)};
    std::vector<float> h(r.hidden.begin(), r.hidden.end() - c.hidden_size);
    std::vector<float> ml = model_->forward_mtp(nb, h, {&cache});
    expect_logits(ml, p_ + "mtp.logits", "");
  }
}

TEST_P(ExactParity, DecodeLogits) {
  SequenceCache cache = model_->new_cache();
  std::vector<float> all;
  for (int32_t t : tokens_) {
    ForwardResult r = model_->forward(Batch{{t}, {0}}, {&cache}, true);
    all.insert(all.end(), r.logits.begin(), r.logits.end());
  }
  expect_logits(all, p_ + "decode.logits", p_ + "decode.stable");
}

TEST_P(ExactParity, GreedyContinuation) {
  std::vector<int64_t> want = as_i64(golden_->get(p_ + "greedy.tokens"));
  std::vector<float> want_logits = as_f32(golden_->get(p_ + "greedy.logits"));
  SequenceCache cache = model_->new_cache();
  ForwardResult r = model_->forward(Batch{tokens_, std::vector<int32_t>(tokens_.size(), 0)}, {&cache}, false);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_LE(max_abs_diff(r.logits.data(), want_logits.data() + i * V(), V()), 1e-3f) << "greedy step " << i;
    int32_t next = static_cast<int32_t>(argmax_row(r.logits.data(), V()));
    ASSERT_EQ(next, want[i]) << "greedy token " << i;
    r = model_->forward(Batch{{next}, {0}}, {&cache}, false);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ExactParity,
                         ::testing::Values(Case{"tiny-dense", "prompt0"}, Case{"tiny-dense", "prompt1"},
                                           Case{"tiny-moe-dsa", "prompt0"}, Case{"tiny-moe-dsa", "prompt1"}),
                         [](const auto& info) {
                           std::string n = std::string(info.param.model) + "_" + info.param.prompt;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace dseek::test
