// Tier-2 parity: the engine in `official` numerics (DeepSeek's FP8/bf16 serving path)
// against golden.official (../shared/fixtures/README.md "Recommended tolerances", tier 2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "golden.h"
#include "model/model.h"

namespace dseek::test {
namespace {

struct LogitStats {
  float max_abs = 0;
  double mean_abs = 0;
  double argmax_agree = 0, argmax_agree_stable = 1;
};

LogitStats compare(const std::vector<float>& got, const std::vector<float>& want, int64_t V,
                   const std::vector<uint8_t>& stable) {
  LogitStats s;
  const int64_t rows = static_cast<int64_t>(want.size()) / V;
  int64_t agree = 0, st = 0, st_agree = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = got.data() + r * V;
    const float* w = want.data() + r * V;
    for (int64_t i = 0; i < V; ++i) {
      float d = std::fabs(g[i] - w[i]);
      s.max_abs = std::max(s.max_abs, d);
      s.mean_abs += d;
    }
    bool same = argmax_row(g, V) == argmax_row(w, V);
    agree += same;
    if (!stable.empty() && stable[r]) {
      ++st;
      st_agree += same;
    }
  }
  s.mean_abs /= double(rows * V);
  s.argmax_agree = double(agree) / rows;
  if (st) s.argmax_agree_stable = double(st_agree) / st;
  return s;
}

// Within `ulps` bf16 ulps of the golden value.
bool within_bf16_ulps(float got, float want, int ulps) {
  float a = std::fabs(want);
  int e;
  std::frexp(a == 0 ? 1e-30f : a, &e);
  float ulp = std::ldexp(1.0f, e - 8);  // bf16 has 8 significant bits
  return std::fabs(got - want) <= ulps * ulp;
}

class OfficialParity : public ::testing::TestWithParam<const char*> {};

TEST_P(OfficialParity, LogitsTopkLayer0) {
  const std::string model_name = GetParam();
  const std::string dir = data_path("fixtures/" + model_name);
  auto model = Model::load(dir, Numerics::Official);
  auto golden = SafetensorsFile::open(dir + "/golden.official.safetensors");
  const bool dense = model_name == "tiny-dense";
  const int64_t V = model->config().vocab_size;
  for (const std::string prompt : {"prompt0", "prompt1"}) {
    const std::string p = prompt + ".";
    std::vector<int32_t> tokens;
    for (int64_t t : as_i64(golden->get(p + "tokens"))) tokens.push_back(static_cast<int32_t>(t));
    const int64_t T = static_cast<int64_t>(tokens.size());
    SequenceCache cache = model->new_cache();
    Trace trace;
    ForwardResult r = model->forward(Batch{tokens, std::vector<int32_t>(T, 0)}, {&cache}, true, &trace);
    LogitStats pre = compare(r.logits, as_f32(golden->get(p + "prefill.logits")), V, as_u8(golden->get(p + "prefill.stable")));

    SequenceCache dcache = model->new_cache();
    std::vector<float> dec;
    for (int32_t t : tokens) {
      ForwardResult d = model->forward(Batch{{t}, {0}}, {&dcache}, true);
      dec.insert(dec.end(), d.logits.begin(), d.logits.end());
    }
    LogitStats de = compare(dec, as_f32(golden->get(p + "decode.logits")), V, as_u8(golden->get(p + "decode.stable")));
    std::cerr << model_name << " " << prompt << " official prefill max " << pre.max_abs << " mean " << pre.mean_abs
              << " argmax " << pre.argmax_agree << " (stable " << pre.argmax_agree_stable << "); decode max "
              << de.max_abs << " mean " << de.mean_abs << " argmax " << de.argmax_agree << " (stable "
              << de.argmax_agree_stable << ")\n";
    if (dense) {
      EXPECT_LE(pre.max_abs, 0.3f);
      EXPECT_LE(de.max_abs, 0.3f);
      EXPECT_GE(pre.argmax_agree, 0.85);
      EXPECT_GE(de.argmax_agree, 0.85);
      EXPECT_GE(pre.argmax_agree_stable, 0.98);
      EXPECT_GE(de.argmax_agree_stable, 0.98);
    } else {
      EXPECT_LE(pre.mean_abs, 0.8);
      EXPECT_LE(de.mean_abs, 0.8);
      EXPECT_GE(pre.argmax_agree, 0.25);
      EXPECT_GE(de.argmax_agree, 0.25);
      Batch nb{std::vector<int32_t>(tokens.begin() + 1, tokens.end()), std::vector<int32_t>(T - 1, 0)};
      std::vector<float> h(r.hidden.begin(), r.hidden.end() - model->config().hidden_size);
      LogitStats mtp = compare(model->forward_mtp(nb, h, {&cache}), as_f32(golden->get(p + "mtp.logits")), V, {});
      std::cerr << "  mtp mean " << mtp.mean_abs << " argmax " << mtp.argmax_agree << "\n";
      EXPECT_LE(mtp.mean_abs, 0.8);
    }
    // Layer-0 selections: identical rows except near-ties (gap < 1e-3 of max |score|), which
    // may differ by <= 2 positions.
    if (const TensorView* tv = golden->find(p + "topk.layer0"); tv && model->config().index_topk < T) {
      std::vector<int64_t> qpos = as_i64(golden->get(p + "topk.positions"));
      std::vector<int64_t> want = as_i64(*tv);
      std::vector<float> scores = as_f32(golden->get(p + "index_score.layer0"));
      const int64_t K = tv->dim(1);
      for (size_t qi = 0; qi < qpos.size(); ++qi) {
        std::set<int64_t> ws, gs(trace.topk[0][qpos[qi]].begin(), trace.topk[0][qpos[qi]].end());
        for (int64_t k = 0; k < K; ++k)
          if (want[qi * K + k] >= 0) ws.insert(want[qi * K + k]);
        if (gs == ws) continue;
        EXPECT_LT(relative_topk_gap(scores.data() + qi * T, qpos[qi] + 1, ws.size()), 1e-3f)
            << prompt << " layer0 query " << qpos[qi];
        int64_t diff = 0;
        for (int64_t v : gs) diff += !ws.count(v);
        EXPECT_LE(diff, 2) << prompt << " layer0 query " << qpos[qi];
      }
    }
    // Layer-0 debug tensors (prompt0): >= 95% within 2 bf16 ulps, max error <= 5% of max |value|.
    if (prompt == "prompt0") {
      for (const char* what : {"attn_out", "residual", "ffn_out"}) {
        std::string key = std::string("layer0.") + what;
        std::vector<float> want = as_f32(golden->get(p + "debug." + key));
        const std::vector<float>& got = trace.tensors[key];
        ASSERT_EQ(got.size(), want.size());
        size_t ok = 0;
        float maxv = 0, maxe = 0;
        for (size_t i = 0; i < want.size(); ++i) {
          ok += within_bf16_ulps(got[i], want[i], 2);
          maxv = std::max(maxv, std::fabs(want[i]));
          maxe = std::max(maxe, std::fabs(got[i] - want[i]));
        }
        std::cerr << "  " << key << " within 2 ulps " << double(ok) / want.size() << " max err " << maxe / maxv << "\n";
        EXPECT_GE(double(ok) / want.size(), 0.95) << key;
        EXPECT_LE(maxe, 0.05f * maxv) << key;
      }
    }
  }
}

// The two numerics really are different code paths: official differs from exact.
TEST(OfficialNumerics, DiffersFromExact) {
  const std::string dir = data_path("fixtures/tiny-dense");
  auto a = Model::load(dir, Numerics::Exact);
  auto b = Model::load(dir, Numerics::Official);
  std::vector<int32_t> toks{0, 5, 17, 42, 99};
  SequenceCache ca = a->new_cache(), cb = b->new_cache();
  auto ra = a->forward(Batch{toks, std::vector<int32_t>(5, 0)}, {&ca}, true);
  auto rb = b->forward(Batch{toks, std::vector<int32_t>(5, 0)}, {&cb}, true);
  EXPECT_GT(max_abs_diff(ra.logits.data(), rb.logits.data(), ra.logits.size()), 1e-3f);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OfficialParity, ::testing::Values("tiny-dense", "tiny-moe-dsa"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace dseek::test
