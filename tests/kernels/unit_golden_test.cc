// Component vectors of ../shared/fixtures/unit/golden.unit.safetensors, tier-2 tolerances
// of the fixtures README: act_quant bit-exact, official FP8 GEMM within 1 bf16 ulp (>= 99%
// bit-exact), RoPE/Hadamard 1e-5, YaRN frequencies 1e-6 relative, softmax scale 1e-9.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "../model/golden.h"
#include "kernels/act_quant.h"
#include "kernels/linear.h"
#include "kernels/numeric.h"
#include "kernels/ops.h"
#include "kernels/rope.h"
#include "model/router.h"
#include "weights/checkpoint.h"

namespace dseek::test {
namespace {

class UnitGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string p = data_path("fixtures/unit/golden.unit.safetensors");
    ASSERT_FALSE(p.empty());
    g_ = SafetensorsFile::open(p);
  }
  std::unique_ptr<SafetensorsFile> g_;
};

TEST_F(UnitGolden, ActQuantBitExact) {
  const TensorView& xt = g_->get("act_quant.x");
  std::vector<float> x = as_f32(xt);
  std::vector<float> want_q = as_f32(g_->get("act_quant.fp8"));
  std::vector<float> want_s = as_f32(g_->get("act_quant.scale"));
  const int64_t T = xt.dim(0), n = xt.dim(1), nb = (n + 127) / 128;
  std::vector<float> q(n), s(nb);
  for (int64_t t = 0; t < T; ++t) {
    act_quant_row(x.data() + t * n, n, true, q.data(), s.data());
    for (int64_t b = 0; b < nb; ++b) ASSERT_EQ(s[b], want_s[t * nb + b]) << "row " << t << " block " << b;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(q[i], want_q[t * n + i]) << "row " << t << " col " << i;
      ASSERT_EQ(f32_to_e4m3_code(q[i]), g_->get("act_quant.fp8").data[t * n + i]);
    }
  }
}

TEST_F(UnitGolden, Fp8LinearOfficialAndExact) {
  auto ck = Checkpoint::open(data_path("fixtures/tiny-dense"));
  const TensorView& w = ck->get("model.layers.0.mlp.down_proj.weight");
  Matrix m{w.dtype, w.dim(0), w.dim(1), w.data,
           reinterpret_cast<const float*>(ck->get("model.layers.0.mlp.down_proj.weight_scale_inv").data), "down"};
  const TensorView& xt = g_->get("fp8_linear.x");
  std::vector<float> x = as_f32(xt);
  const int64_t T = xt.dim(0);
  std::vector<float> y(T * m.rows);
  linear(x.data(), T, m, y.data());
  std::vector<float> exact = as_f32(g_->get("fp8_linear.y_exact"));
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], exact[i], 1e-4f * (1 + std::fabs(exact[i])));
  // Official: quantised input, bf16 output.
  std::vector<float> xq = x;
  act_qdq(xq.data(), T, m.cols, true);
  linear(xq.data(), T, m, y.data());
  round_bf16(y.data(), static_cast<int64_t>(y.size()));
  std::vector<float> off = as_f32(g_->get("fp8_linear.y_official"));
  size_t same = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] == off[i]) {
      ++same;
      continue;
    }
    float ulp = std::fabs(bf16_to_f32(f32_to_bf16(off[i]) + 1) - off[i]);
    EXPECT_LE(std::fabs(y[i] - off[i]), ulp * 1.0001f) << "element " << i;
  }
  EXPECT_GE(same, y.size() * 99 / 100);
}

TEST_F(UnitGolden, RopeYarnHadamard) {
  std::vector<int64_t> pos = as_i64(g_->get("rope.positions"));
  std::vector<float> x = as_f32(g_->get("rope.x"));
  ModelConfig real = ModelConfig::from_file(repo_dir() + "/tests/data/deepseek-v3.2-config/config.json");
  ModelConfig moe = ModelConfig::from_file(data_path("fixtures/tiny-moe-dsa") + "/config.json");
  ModelConfig dense = ModelConfig::from_file(data_path("fixtures/tiny-dense") + "/config.json");
  for (auto [name, cfg] : {std::pair{"real671b", real}, std::pair{"tiny-moe-dsa", moe}}) {
    Rope rope = Rope::from_config(cfg);
    for (bool inter : {true, false}) {
      std::vector<float> want = as_f32(g_->get(std::string("rope.") + name + (inter ? ".interleaved" : ".neox")));
      for (size_t t = 0; t < pos.size(); ++t) {
        std::vector<float> v(x.begin() + t * 64, x.begin() + (t + 1) * 64);
        rope.apply(v.data(), pos[t], inter);
        for (int i = 0; i < 64; ++i) EXPECT_NEAR(v[i], want[t * 64 + i], 1e-5f) << name << " pos " << pos[t];
      }
    }
  }
  for (auto [name, cfg] : {std::pair{"real671b", real}, std::pair{"tiny-moe-dsa", moe}, std::pair{"tiny-dense", dense}}) {
    Rope rope = Rope::from_config(cfg);
    std::vector<double> want = as_f64(g_->get(std::string("yarn.") + name + ".inv_freq"));
    ASSERT_EQ(rope.inv_freq.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(rope.inv_freq[i], want[i], 1e-6 * want[i]) << name;
    double ws = as_f64(g_->get(std::string("yarn.") + name + ".softmax_scale"))[0];
    // The golden holds the fp32 scale the kernels use.
    EXPECT_NEAR(static_cast<float>(mla_softmax_scale(cfg)), ws, 1e-9 * ws) << name;
  }
  std::vector<float> hx = as_f32(g_->get("hadamard.x")), hy = as_f32(g_->get("hadamard.y"));
  hadamard(hx.data(), 4, 128);
  for (size_t i = 0; i < hx.size(); ++i) EXPECT_NEAR(hx[i], hy[i], 1e-5f);
}

TEST_F(UnitGolden, Routing) {
  auto ck = Checkpoint::open(data_path("fixtures/tiny-moe-dsa"));
  const ModelConfig& c = ck->config();
  const TensorView& gw = ck->get("model.layers.1.mlp.gate.weight");
  Matrix gate{gw.dtype, gw.dim(0), gw.dim(1), gw.data, nullptr, "gate"};
  std::vector<float> bias = as_f32(ck->get("model.layers.1.mlp.gate.e_score_correction_bias"));
  const TensorView& xt = g_->get("route.x");
  std::vector<float> x = as_f32(xt);
  std::vector<int64_t> want_ids = as_i64(g_->get("route.expert_ids"));
  std::vector<float> want_w = as_f32(g_->get("route.weights"));
  const int64_t T = xt.dim(0), E = c.n_routed_experts, K = c.num_experts_per_tok;
  std::vector<float> logits(T * E);
  linear(x.data(), T, gate, logits.data());
  for (int64_t t = 0; t < T; ++t) {
    Routing r = route(c, logits.data() + t * E, bias);
    std::set<int64_t> got(r.experts.begin(), r.experts.end()), want(want_ids.begin() + t * K, want_ids.begin() + (t + 1) * K);
    ASSERT_EQ(got, want) << "token " << t;
    for (int64_t k = 0; k < K; ++k) {
      // weights pair with ids; compare by id
      for (int64_t k2 = 0; k2 < K; ++k2) {
        if (r.experts[k2] == want_ids[t * K + k]) {
          EXPECT_NEAR(r.weights[k2], want_w[t * K + k], 1e-5f);
        }
      }
    }
  }
}

TEST(Numeric, E4M3TableAndRounding) {
  EXPECT_EQ(e4m3_to_f32(0x7e), 448.0f);
  EXPECT_EQ(e4m3_to_f32(0x01), std::ldexp(1.0f, -9));
  EXPECT_TRUE(std::isnan(e4m3_to_f32(0x7f)));
  EXPECT_EQ(e4m3_round(1000.0f), 448.0f);
  EXPECT_EQ(e4m3_round(1.0625f), 1.0f);    // tie between 1.0 and 1.125 -> even (1.0)
  EXPECT_EQ(e4m3_round(1.1875f), 1.25f);   // tie between 1.125 and 1.25 -> even (1.25)
  EXPECT_EQ(bf16_round(1.0f + std::ldexp(1.0f, -8)), 1.0f);  // tie -> even
}

}  // namespace
}  // namespace dseek::test
