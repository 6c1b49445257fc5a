// DeepSeek-V4 `official` numerics (model_v4/numerics_v4.h): the quantisers on hand-made vectors
// (expected values worked out from the definitions in DeepSeek-V4 inference/kernel.py:
// `fp4_quant_kernel`, `act_quant_kernel`, `fast_round_scale`), then the whole forward on
// fixtures-v4/tiny-v4 against the exact goldens within the sanity bounds of oracle-v4 REPORT.md
// (the reference's own official run differs from exact by mean |delta| 0.15-0.30, max 1.9-3.9,
// argmax agreement 70-87%; its decode differs from its prefill by as much).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernels/act_quant.h"
#include "kernels/numeric.h"
#include "model/golden.h"
#include "model_v4/model_v4.h"
#include "model_v4/numerics_v4.h"
#include "runtime/error.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// ---- FP4 e2m1 -------------------------------------------------------------------------------

TEST(OfficialV4Quant, E2m1RoundsToNearestEvenAndSaturates) {
  struct Case {
    float in, want;
  };
  const Case cases[] = {
      {0.0f, 0.0f},   {0.1f, 0.0f},  {0.25f, 0.0f},  // tie 0 / 0.5 -> 0 (even mantissa)
      {0.26f, 0.5f},  {0.5f, 0.5f},  {0.75f, 1.0f},  // tie 0.5 / 1 -> 1
      {1.2f, 1.0f},   {1.25f, 1.0f}, {1.3f, 1.5f},   {1.75f, 2.0f},  // tie 1.5 / 2 -> 2
      {2.4f, 2.0f},   {2.5f, 2.0f},  {2.6f, 3.0f},   {3.5f, 4.0f},   // tie 3 / 4 -> 4
      {5.0f, 4.0f},   {5.5f, 6.0f},  {6.0f, 6.0f},   {7.0f, 6.0f},   {1e9f, 6.0f},  // saturating
      {-0.3f, -0.5f}, {-0.75f, -1.0f}, {-5.0f, -4.0f}, {-9.0f, -6.0f},
  };
  for (const Case& c : cases) EXPECT_EQ(e2m1_round(c.in), c.want) << c.in;
  EXPECT_TRUE(std::signbit(e2m1_round(-0.1f)));  // -0
}

TEST(OfficialV4Quant, Fp4ActQdqBlocksOf32WithPowerOfTwoScales) {
  std::vector<float> x(4 * 32, 0.0f);
  // Block 0: amax 6 -> 6 * fp32(1/6) rounds to exactly 1 -> scale 1 (not 2).
  x[0] = 6.0f, x[1] = 3.0f, x[2] = 1.2f, x[3] = -0.7f, x[4] = 0.26f, x[5] = 0.25f;
  // Block 1: amax 7 -> 7/6 -> scale 2: x/2 on the e2m1 grid, times 2.
  x[32] = 7.0f, x[33] = 1.0f, x[34] = 0.5f, x[35] = -3.0f, x[36] = 5.0f;
  // Block 2: all zero (amax floored at 6 * 2^-126): stays zero, no NaN.
  // Block 3: amax 0.01 -> 0.01/6 -> scale 2^-9: 0.01 = 5.12 s -> 6 s, 0.003 = 1.536 s -> 1.5 s.
  x[96] = 0.01f, x[97] = 0.003f, x[98] = -0.001f;  // -0.512 s -> -0.5 s
  fp4_act_qdq(x.data(), 2, 64);  // two rows of two blocks
  const float s3 = std::ldexp(1.0f, -9);
  const std::vector<std::pair<int, float>> want = {
      {0, 6.0f},  {1, 3.0f},  {2, 1.0f},   {3, -0.5f},  {4, 0.5f},       {5, 0.0f},       {6, 0.0f},
      {32, 8.0f}, {33, 1.0f}, {34, 0.0f},  {35, -3.0f}, {36, 4.0f},      {96, 6.0f * s3}, {97, 1.5f * s3},
      {98, -0.5f * s3}};
  for (const auto& [i, v] : want) EXPECT_EQ(x[i], v) << "index " << i;
  for (int i = 64; i < 96; ++i) EXPECT_EQ(bits(x[i]), 0u) << i;
  // Idempotent: the simulated values are on the grid with the same scales.
  std::vector<float> y = x;
  fp4_act_qdq(y.data(), 4, 32);
  EXPECT_EQ(y, x);
}

// ---- FP8 e4m3, blocks of 64 (KV nope dims) and 128 (act_quant before FP8 / FP4 linears) ----

TEST(OfficialV4Quant, KvNopeFp8SimBlocksOf64LeavesRopeDims) {
  const int64_t dim = 130, nope = 128;  // two nope blocks, two rope dims
  std::vector<float> x(dim, 0.0f);
  // Block 0: amax 100 -> 100/448 -> ue8m0 scale 0.25; x / 0.25 rounded to e4m3, times 0.25.
  x[0] = 100.0f;    // 400: quantum 32 in [256, 448), tie 12.5 -> 12 -> 384 -> 96
  x[1] = 1.0f;      // 4 -> 4 -> 1
  x[2] = 0.3f;      // 1.2: quantum 1/8 -> 1.25 -> 0.3125
  x[3] = -17.0f;    // -68: quantum 8, tie 8.5 -> 8 -> -64 -> -16
  x[4] = 0.001f;    // 0.004: subnormal quantum 2^-9 -> 2 * 2^-9 -> 2^-10
  // Block 1: all zero (amax floored at 1e-4): zeros. Rope dims: untouched.
  x[128] = 0.123456f, x[129] = -7.654321f;
  const std::vector<float> before = x;
  kv_nope_fp8_sim(x.data(), 1, dim, nope, /*pow2_scale=*/true);
  EXPECT_EQ(x[0], 96.0f);
  EXPECT_EQ(x[1], 1.0f);
  EXPECT_EQ(x[2], 0.3125f);
  EXPECT_EQ(x[3], -16.0f);
  EXPECT_EQ(x[4], std::ldexp(1.0f, -10));
  for (int i = 64; i < 128; ++i) EXPECT_EQ(bits(x[i]), 0u) << i;
  EXPECT_EQ(bits(x[128]), bits(before[128]));
  EXPECT_EQ(bits(x[129]), bits(before[129]));
  // The per-64 recipe is kernels/act_quant's per-128 one with another block: a block of 128 with
  // the same first 64 values and zeros sees the same amax.
  std::vector<float> a(before.begin(), before.begin() + 128), b = a;
  act_qdq(a.data(), 1, 128, true);
  act_qdq_block(b.data(), 1, 128, 128, true);
  EXPECT_EQ(a, b);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a[i], x[i]) << i;
  // Scales: ue8m0 rounds 1e-4 / 448 up to 2^-22; without ue8m0 the scale is amax * fp32(1/448).
  std::vector<float> q(64), s(1);
  std::vector<float> z(64, 0.0f);
  act_quant_row_block(z.data(), 64, 64, true, q.data(), s.data());
  EXPECT_EQ(s[0], std::ldexp(1.0f, -22));
  z[7] = 448.0f;
  act_quant_row_block(z.data(), 64, 64, false, q.data(), s.data());
  EXPECT_EQ(s[0], 448.0f * (1.0f / 448.0f));
  EXPECT_EQ(q[7], 448.0f);
}

Matrix fp8_ones_row(std::vector<uint8_t>& codes, std::vector<uint8_t>& scale) {
  codes.assign(128, 0x38);  // e4m3 1.0
  scale.assign(1, 127);     // E8M0 2^0
  Matrix W;
  W.dtype = DType::F8_E4M3;
  W.rows = 1;
  W.cols = 128;
  W.data = codes.data();
  W.scale_e8m0 = scale.data();
  W.name = "ones";
  return W;
}

TEST(OfficialV4Quant, LinearOfficialQuantisesFp8InputsAndRoundsOutputs) {
  std::vector<uint8_t> codes, scale;
  const Matrix W = fp8_ones_row(codes, scale);
  std::vector<float> x(128, 0.0f);
  x[0] = 100.0f, x[1] = 0.3f;  // per-128 ue8m0: scale 0.25 -> 96 + 0.3125 = 96.3125 -> bf16 96.5
  float y = 0;
  linear_official(x.data(), 1, W, &y, true);
  EXPECT_EQ(y, 96.5f);
  EXPECT_EQ(x[0], 100.0f);  // the input is not changed
  // A bf16 / f32 weight: no act_quant, only the bf16 output (100.3 -> 100.5).
  std::vector<float> wf(128, 1.0f);
  Matrix F;
  F.dtype = DType::F32;
  F.rows = 1;
  F.cols = 128;
  F.data = reinterpret_cast<const uint8_t*>(wf.data());
  linear_official(x.data(), 1, F, &y, true);
  EXPECT_EQ(y, 100.5f);
}

TEST(OfficialV4Quant, PerHeadRmsInBf16Arithmetic) {
  // [3, 4]: squares 9, 16, mean 12.5 (+1e-6 rounds back to 12.5), rsqrt 0.28284.. -> bf16
  // 0.283203125; 3 x that = 0.849609375 -> bf16 tie -> 0.8515625; 4 x that = 1.1328125.
  std::vector<float> v = {3.0f, 4.0f};
  rms_rows_bf16(v.data(), 1, 2, 1e-6);
  EXPECT_EQ(v[0], 0.8515625f);
  EXPECT_EQ(v[1], 1.1328125f);
}

// ---- End to end on tiny-v4 ------------------------------------------------------------------

struct Agreement {
  double mean_abs = 0;
  float max_abs = 0;
  double argmax_agree = 0;
};

Agreement compare(const std::vector<float>& a, const std::vector<float>& b, int64_t V) {
  Agreement r;
  const int64_t rows = static_cast<int64_t>(a.size()) / V;
  int64_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const float d = std::fabs(a[i] - b[i]);
    r.mean_abs += d;
    r.max_abs = std::max(r.max_abs, d);
  }
  r.mean_abs /= static_cast<double>(a.size());
  for (int64_t t = 0; t < rows; ++t) same += argmax_row(a.data() + t * V, V) == argmax_row(b.data() + t * V, V);
  r.argmax_agree = static_cast<double>(same) / static_cast<double>(rows);
  return r;
}

// Sanity bounds (REPORT: the reference's faithful run, mean 0.15-0.30, max 1.9-3.9, argmax 70-87%).
void expect_sane(const Agreement& a, const std::string& what) {
  EXPECT_LT(a.mean_abs, 0.5) << what;
  EXPECT_LT(a.max_abs, 8.0f) << what;
  EXPECT_GT(a.argmax_agree, 0.6) << what;
  std::printf("[ official ] %-34s mean |d| %.4f  max |d| %.3f  argmax agreement %.1f%%\n", what.c_str(), a.mean_abs,
              a.max_abs, 100.0 * a.argmax_agree);
}

class OfficialV4 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = data_path("fixtures-v4/tiny-v4");
    if (dir_.empty()) return;
    model_ = ModelV4::load(dir_, Numerics::Official).release();
    golden_ = SafetensorsFile::open(dir_ + "/golden.exact.safetensors").release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete golden_;
  }
  void SetUp() override {
    if (dir_.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  }
  static std::vector<float> gf(const std::string& name) { return as_f32(golden_->get(name)); }
  static std::vector<int32_t> tokens(const std::string& p) {
    return as_token_ids(golden_->get(p + ".tokens"));
  }
  static std::string dir_;
  static ModelV4* model_;
  static SafetensorsFile* golden_;
};
std::string OfficialV4::dir_;
ModelV4* OfficialV4::model_ = nullptr;
SafetensorsFile* OfficialV4::golden_ = nullptr;

TEST_F(OfficialV4, PrefillWithinSanityBoundsOfExactAndNotExact) {
  EXPECT_EQ(model_->numerics(), Numerics::Official);
  const int64_t V = model_->config().vocab_size;
  for (const std::string p : {"prompt0", "prompt1"}) {
    SCOPED_TRACE(p);
    StateV4 st = model_->new_state();
    dseek::ForwardV4 r = model_->forward(tokens(p), st, true);
    const std::vector<float> want = gf(p + ".prefill.logits");
    ASSERT_EQ(r.logits.size(), want.size());
    const Agreement a = compare(r.logits, want, V);
    expect_sane(a, p + " prefill vs exact");
    EXPECT_GT(a.mean_abs, 1e-3) << "official numerics give the exact logits: not applied?";
    // The hc streams and hidden state are bf16 values.
    for (float v : r.streams) ASSERT_EQ(v, bf16_round(v));
    for (float v : r.hidden) ASSERT_EQ(v, bf16_round(v));
  }
}

TEST_F(OfficialV4, CachesHoldBf16AndSimulatedValues) {
  const ConfigV4& c = model_->config();
  StateV4 st = model_->new_state();
  model_->forward(tokens("prompt0"), st, false);
  const int64_t D = c.head_dim, nope = D - c.qk_rope_head_dim;
  const bool pow2 = c.scale_fmt == "ue8m0";
  int csa = 0;
  for (const LayerStateV4& ls : st.layers) {
    for (float v : ls.win_kv) ASSERT_EQ(v, bf16_round(v));
    // Window kv and compressed entries: nope dims already on the FP8 grid (the sim is idempotent).
    std::vector<float> w = ls.win_kv, e = ls.comp;
    kv_nope_fp8_sim(w.data(), static_cast<int64_t>(w.size()) / D, D, nope, pow2);
    kv_nope_fp8_sim(e.data(), static_cast<int64_t>(e.size()) / D, D, nope, pow2);
    EXPECT_EQ(w, ls.win_kv);
    EXPECT_EQ(e, ls.comp);
    if (!ls.idx_fp4.empty()) {  // indexer keys: FP4 codes, one key an entry, values on the FP4 grid
      ++csa;
      const int64_t Di = c.index_head_dim, n = ls.idx_fp4.size();
      EXPECT_TRUE(ls.idx_keys.empty());
      EXPECT_EQ(n * D, static_cast<int64_t>(ls.comp.size()));
      std::vector<float> k(n * Di);
      for (int64_t j = 0; j < n; ++j) ls.idx_fp4.decode(j, k.data() + j * Di);
      std::vector<float> sim = k;
      fp4_act_qdq(sim.data(), n, Di);
      EXPECT_EQ(sim, k);
    }
  }
  EXPECT_EQ(csa, 2);
}

// The indexer keys kept as FP4 codes and scored in integer arithmetic (the default official
// state) against the fp32 path on the same simulated values (StateV4::fresh(c, false)): the
// same keys, top-k sets and logits within float rounding, and 68 instead of 512 bytes a key.
TEST_F(OfficialV4, IntegerIndexerEqualsTheFp32PathOnTheSimulatedValues) {
  const ConfigV4& c = model_->config();
  const int64_t V = c.vocab_size, Di = c.index_head_dim, K = c.index_topk;
  for (const std::string p : {"prompt0", "prompt1"}) {
    SCOPED_TRACE(p);
    const std::vector<int32_t> toks = tokens(p);
    StateV4 si = model_->new_state(), sf = StateV4::fresh(c, false);
    ASSERT_TRUE(si.fp4_index_keys);
    TraceV4 ti, tf;
    const std::vector<float> li = model_->forward(toks, si, true, &ti).logits;
    const std::vector<float> lf = model_->forward(toks, sf, true, &tf).logits;
    const Agreement a = compare(li, lf, V);
    std::printf("[ official ] %s integer vs fp32 indexer: max |d| %.3g\n", p.c_str(), a.max_abs);
    EXPECT_LE(a.max_abs, 1e-4f);
    EXPECT_EQ(a.argmax_agree, 1.0);
    size_t f32_bytes = 0, fp4_bytes = 0;
    int rows = 0, checked = 0, score_rows_differ = 0;
    for (int L = 0; L < c.num_hidden_layers; ++L) {
      if (c.attn_kind(L) != AttnKindV4::kCsa) continue;
      const LayerStateV4 &a4 = si.layers[L], &a32 = sf.layers[L];
      // The same simulated key values.
      ASSERT_EQ(a4.idx_fp4.size() * Di, static_cast<int64_t>(a32.idx_keys.size()));
      std::vector<float> k(Di);
      for (int64_t j = 0; j < a4.idx_fp4.size(); ++j) {
        a4.idx_fp4.decode(j, k.data());
        ASSERT_TRUE(std::equal(k.begin(), k.end(), a32.idx_keys.begin() + j * Di)) << "layer " << L << " key " << j;
      }
      f32_bytes += a32.idx_keys.size() * 4;
      fp4_bytes += a4.idx_fp4.bytes();
      // Top-k sets: identical where the fp32 path's k-th choice is not within a bf16 step of the next.
      for (size_t t = 0; t < toks.size(); ++t) {
        const std::vector<float>&si_s = ti.index_scores.at(L).at(t), &sf_s = tf.index_scores.at(L).at(t);
        ASSERT_EQ(si_s.size(), sf_s.size());
        ++rows;
        score_rows_differ += si_s != sf_s;
        for (size_t j = 0; j < si_s.size(); ++j)
          ASSERT_LE(std::fabs(si_s[j] - sf_s[j]), std::ldexp(std::fabs(sf_s[j]), -7)) << "layer " << L << " token " << t;
        if (si_s != sf_s && relative_topk_gap(sf_s.data(), static_cast<int64_t>(sf_s.size()), K) < 1e-2f) continue;
        EXPECT_EQ(ti.topk.at(L).at(t), tf.topk.at(L).at(t)) << "layer " << L << " token " << t;
        ++checked;
      }
    }
    std::printf("[ official ] %s: %d of %d score rows differ; top-k compared on %d rows\n", p.c_str(), score_rows_differ,
                rows, checked);
    EXPECT_GT(checked, rows * 9 / 10);
    // 4-bit codes + a scale byte per 32 in records of 16 keys: at most 68 / 512 of fp32 (and a partial record).
    EXPECT_GT(f32_bytes, 0u);
    EXPECT_LE(fp4_bytes * 512, f32_bytes * 68 + 2 * 16 * 68 * 512);
    EXPECT_EQ(sf.bytes() - si.bytes(), f32_bytes - fp4_bytes);
    // Decode: one token a step, the same agreement (120 tokens: 30 entries for a top-16).
    if (p != "prompt0") continue;
    StateV4 di = model_->new_state(), df = StateV4::fresh(c, false);
    float max_d = 0;
    for (int32_t tok : std::vector<int32_t>(toks.begin(), toks.begin() + 120)) {
      const std::vector<float> x = model_->forward({tok}, di, false).logits, y = model_->forward({tok}, df, false).logits;
      for (int64_t v = 0; v < V; ++v) max_d = std::max(max_d, std::fabs(x[v] - y[v]));
    }
    EXPECT_LE(max_d, 1e-4f) << "decode";
  }
}

TEST_F(OfficialV4, DecodeAndChunkedWithinSanityBoundsOfOfficialPrefill) {
  const int64_t V = model_->config().vocab_size;
  const std::vector<int32_t> toks = tokens("prompt0");
  const int64_t T = static_cast<int64_t>(toks.size());
  StateV4 sp = model_->new_state();
  const std::vector<float> pre = model_->forward(toks, sp, true).logits;
  StateV4 sd = model_->new_state();
  std::vector<float> dec;
  for (int64_t t = 0; t < T; ++t) {
    std::vector<float> l = model_->forward({toks[t]}, sd, false).logits;
    dec.insert(dec.end(), l.begin(), l.end());
  }
  expect_sane(compare(dec, pre, V), "prompt0 decode vs official prefill");
  expect_sane(compare(dec, gf("prompt0.decode.logits"), V), "prompt0 decode vs exact");
  // Chunked prefill with the golden's chunk sizes (cycled, as the exact parity test).
  const std::vector<int64_t> sizes = as_i64(golden_->get("prompt0.chunked.sizes"));
  StateV4 sc = model_->new_state();
  std::vector<float> chunked;
  for (int64_t at = 0, k = 0; at < T; ++k) {
    const int64_t n = std::min<int64_t>(sizes[k % sizes.size()], T - at);
    std::vector<int32_t> part(toks.begin() + at, toks.begin() + at + n);
    std::vector<float> l = model_->forward(part, sc, true).logits;
    chunked.insert(chunked.end(), l.begin(), l.end());
    at += n;
  }
  ASSERT_EQ(static_cast<int64_t>(chunked.size()), T * V);
  expect_sane(compare(chunked, pre, V), "prompt0 chunked vs official prefill");
  // Deterministic: the same call gives the same floats.
  StateV4 s2 = model_->new_state();
  EXPECT_EQ(model_->forward(toks, s2, true).logits, pre);
}

TEST_F(OfficialV4, MtpWithinSanityBoundsOfExact) {
  const int64_t V = model_->config().vocab_size;
  const std::vector<int32_t> toks = tokens("prompt0");
  const int64_t T = static_cast<int64_t>(toks.size()), n = model_->config().hc_mult, d = model_->config().hidden_size;
  StateV4 st = model_->new_state();
  dseek::ForwardV4 r = model_->forward(toks, st, true);
  std::vector<float> streams(r.streams.begin(), r.streams.begin() + (T - 1) * n * d);
  std::vector<int32_t> next(toks.begin() + 1, toks.end());
  const std::vector<float> mtp = model_->forward_mtp(next, streams, st);
  expect_sane(compare(mtp, gf("prompt0.mtp.logits"), V), "prompt0 MTP vs exact");
}

TEST(OfficialV4Load, Int8IsRefused) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  try {
    ModelV4::load(dir, Numerics::Int8);
    FAIL() << "int8 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("exact or official"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ModelV4::load(dir)->numerics(), Numerics::Exact);  // the default
}

}  // namespace
}  // namespace dseek::test
