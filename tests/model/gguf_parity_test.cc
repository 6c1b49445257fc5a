// GGUF parity: llama.cpp-written GGUF files of one random DeepSeek-V3.2 in seven types and
// mixes (one split pair) against goldens computed on their dequantised weights
// (tests/data/fixtures/gguf/README.md "Tolerances"): logits within 1e-3 at every row of
// prefill, decode, greedy and MTP; DSA top-k sets and routed experts identical (exact ties go
// to the lower index); greedy continuations identical; debug tensors within 1e-5 rel RMS.
#include <gtest/gtest.h>

#include <algorithm>

#include "golden.h"
#include "kernels/quant/quant.h"
#include "model/model.h"

namespace dseek::test {
namespace {

// The checkpoint with every tensor dequantised to F32 (dequant_row_ref), in memory: the
// model run on it is what the goldens describe, independent of the quantised kernels.
std::unique_ptr<Checkpoint> dequantised(const Checkpoint& ck) {
  std::vector<TensorData> out;
  for (const auto& [name, t] : ck.tensors()) {
    const int64_t row = t->shape.back(), rows = t->numel() / row;
    TensorData d{name, DType::F32, t->shape, std::vector<uint8_t>(t->numel() * 4)};
    const size_t rb = dtype_row_bytes(t->dtype, row);
    for (int64_t r = 0; r < rows; ++r)
      dequant_row_ref(t->dtype, t->data + r * rb, reinterpret_cast<float*>(d.bytes.data()) + r * row, row);
    out.push_back(std::move(d));
  }
  return Checkpoint::in_memory(ck.config(), std::move(out), ck.dir() + " (dequantised)");
}

struct GgufCase {
  const char* stem;  // golden = STEM.golden.safetensors
  const char* file;  // the GGUF (first part of a split)
  const char* prompt;
  bool dequantised = false;  // run on dequant_row_ref's F32 copy instead of the quantised kernels
};

class GgufParity : public ::testing::TestWithParam<GgufCase> {
 protected:
  void SetUp() override {
    const std::string dir = data_path("fixtures/gguf/gguf-v32");
    ASSERT_FALSE(dir.empty()) << "GGUF fixtures missing";
    auto ck = Checkpoint::open(dir + "/" + GetParam().file);
    model_ = Model::from_checkpoint(GetParam().dequantised ? dequantised(*ck) : std::move(ck), Numerics::Exact);
    golden_ = SafetensorsFile::open(dir + "/" + GetParam().stem + ".golden.safetensors");
    p_ = std::string(GetParam().prompt) + ".";
    for (int64_t t : as_i64(golden_->get(p_ + "tokens"))) tokens_.push_back(static_cast<int32_t>(t));
  }
  std::string p_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<SafetensorsFile> golden_;
  std::vector<int32_t> tokens_;

  int64_t V() const { return model_->config().vocab_size; }

  void expect_rows_within(const std::vector<float>& got, const std::string& name, const std::string& stable_name) {
    std::vector<float> want = as_f32(golden_->get(name));
    ASSERT_EQ(got.size(), want.size()) << name;
    std::vector<uint8_t> stable;
    if (!stable_name.empty()) stable = as_u8(golden_->get(stable_name));
    for (int64_t r = 0; r < static_cast<int64_t>(want.size()) / V(); ++r) {
      const float* g = got.data() + r * V();
      const float* w = want.data() + r * V();
      EXPECT_LE(max_abs_diff(g, w, V()), 1e-3f) << name << " row " << r;
      if (stable.empty() || stable[r]) {
        EXPECT_EQ(argmax_row(g, V()), argmax_row(w, V())) << name << " row " << r;
      }
    }
  }
};

TEST_P(GgufParity, Prefill) {
  SequenceCache cache = model_->new_cache();
  Trace trace;
  ForwardResult r = model_->forward(Batch{tokens_, std::vector<int32_t>(tokens_.size(), 0)}, {&cache}, true, &trace);
  expect_rows_within(r.logits, p_ + "prefill.logits", p_ + "prefill.stable");
  EXPECT_LE(rel_rms(r.hidden, as_f32(golden_->get(p_ + "prefill.hidden"))), 1e-5);
  const int64_t T = static_cast<int64_t>(tokens_.size());
  const std::vector<int64_t> qpos = as_i64(golden_->get(p_ + "topk.positions"));
  for (int l = 0; l < model_->config().num_hidden_layers; ++l) {
    const TensorView* tv = golden_->find(p_ + "topk.layer" + std::to_string(l));
    if (!tv) continue;
    const std::vector<int64_t> want = as_i64(*tv);
    const int64_t K = tv->dim(1);
    for (size_t qi = 0; qi < qpos.size(); ++qi) {
      std::vector<int64_t> w;
      for (int64_t k = 0; k < K; ++k)
        if (want[qi * K + k] >= 0) w.push_back(want[qi * K + k]);
      std::vector<int64_t> g(trace.topk[l][qpos[qi]].begin(), trace.topk[l][qpos[qi]].end());
      EXPECT_EQ(g, w) << "DSA top-k, layer " << l << " query " << qpos[qi];
    }
  }
  const TensorView* ex = golden_->find(p_ + "experts.layer1");
  ASSERT_NE(ex, nullptr);
  const std::vector<int64_t> want = as_i64(*ex);
  for (int64_t t = 0; t < T; ++t) {
    std::vector<int64_t> g(trace.experts[1][t].begin(), trace.experts[1][t].end());
    EXPECT_EQ(g, std::vector<int64_t>(want.begin() + t * 3, want.begin() + (t + 1) * 3)) << "experts, token " << t;
  }
  if (golden_->find(p_ + "debug.embed")) {
    EXPECT_LE(rel_rms(trace.tensors["embed"], as_f32(golden_->get(p_ + "debug.embed"))), 1e-5);
    for (int l = 0; l < model_->config().num_hidden_layers; ++l)
      for (const char* what : {"attn_out", "residual", "ffn_out"}) {
        const std::string key = "layer" + std::to_string(l) + "." + what;
        EXPECT_LE(rel_rms(trace.tensors[key], as_f32(golden_->get(p_ + "debug." + key))), 1e-5) << key;
      }
  }
  // MTP (blk.2): row i from h_i and token i+1.
  Batch nb{std::vector<int32_t>(tokens_.begin() + 1, tokens_.end()), std::vector<int32_t>(T - 1, 0)};
  std::vector<float> h(r.hidden.begin(), r.hidden.end() - model_->config().hidden_size);
  expect_rows_within(model_->forward_mtp(nb, h, {&cache}), p_ + "mtp.logits", "");
}

TEST_P(GgufParity, Decode) {
  SequenceCache cache = model_->new_cache();
  std::vector<float> all;
  for (int32_t t : tokens_) {
    ForwardResult r = model_->forward(Batch{{t}, {0}}, {&cache}, true);
    all.insert(all.end(), r.logits.begin(), r.logits.end());
  }
  expect_rows_within(all, p_ + "decode.logits", p_ + "decode.stable");
}

TEST_P(GgufParity, Greedy) {
  const std::vector<int64_t> want = as_i64(golden_->get(p_ + "greedy.tokens"));
  const std::vector<float> want_logits = as_f32(golden_->get(p_ + "greedy.logits"));
  SequenceCache cache = model_->new_cache();
  ForwardResult r = model_->forward(Batch{tokens_, std::vector<int32_t>(tokens_.size(), 0)}, {&cache}, false);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_LE(max_abs_diff(r.logits.data(), want_logits.data() + i * V(), V()), 1e-3f) << "greedy step " << i;
    const int32_t next = static_cast<int32_t>(argmax_row(r.logits.data(), V()));
    ASSERT_EQ(next, want[i]) << "greedy token " << i;
    r = model_->forward(Batch{{next}, {0}}, {&cache}, false);
  }
}

#define DSEEK_GGUF_CASES(stem, file, dq) GgufCase{stem, file, "prompt0", dq}, GgufCase{stem, file, "prompt1", dq}
#define DSEEK_GGUF_FILES(dq)                                                                                           \
  ::testing::Values(DSEEK_GGUF_CASES("gguf-v32-Q8_0", "gguf-v32-Q8_0.gguf", dq),                                    \
                    DSEEK_GGUF_CASES("gguf-v32-Q6_K", "gguf-v32-Q6_K.gguf", dq),                                    \
                    DSEEK_GGUF_CASES("gguf-v32-Q4_K_M", "gguf-v32-Q4_K_M.gguf", dq),                                \
                    DSEEK_GGUF_CASES("gguf-v32-IQ4_XS", "gguf-v32-IQ4_XS.gguf", dq),                                \
                    DSEEK_GGUF_CASES("gguf-v32-Q2_K", "gguf-v32-Q2_K-00001-of-00002.gguf", dq),                     \
                    DSEEK_GGUF_CASES("gguf-v32-IQ2_XXS-mix", "gguf-v32-IQ2_XXS-mix.gguf", dq),                      \
                    DSEEK_GGUF_CASES("gguf-v32-IQ1_S-mix", "gguf-v32-IQ1_S-mix.gguf", dq))
std::string case_name(const ::testing::TestParamInfo<GgufCase>& info) {
  std::string n = std::string(info.param.stem).substr(9) + "_" + info.param.prompt;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}
// The quantised kernels (what users run) and, as a check of the mapping alone, the model on the
// dequantised weights.
INSTANTIATE_TEST_SUITE_P(Files, GgufParity, DSEEK_GGUF_FILES(false), case_name);
INSTANTIATE_TEST_SUITE_P(Dequantised, GgufParity, DSEEK_GGUF_FILES(true), case_name);

}  // namespace
}  // namespace dseek::test
