// The V4 tensor list (tensor_specs_v4) against the tiny-v4 fixture's files, and the memory /
// weight plans (plan_v4) of the real DeepSeek-V4-Flash config against hand-computed figures.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>

#include "model_v4/plan_v4.h"
#include "model_v4/tensor_specs_v4.h"
#include "model_v4/weights_v4.h"
#include "test_paths.h"
#include "weights/checkpoint.h"

namespace dseek::test {
namespace {

ConfigV4 load_config(const std::string& rel) {
  const std::string p = data_path(rel);
  if (p.empty()) throw std::runtime_error(rel + " not found");
  return ConfigV4::from_file(p);
}

// Every tensor of tiny-v4 (667: window, CSA, HCA layers, hash and score routing, MTP) has the
// name, dtype and shape the spec list gives, and nothing else is in either.
TEST(TensorSpecsV4, MatchTinyV4Files) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  const ConfigV4 c = ConfigV4::from_file(dir + "/config.json");
  auto ck = Checkpoint::open_tensors(dir);
  const std::vector<TensorSpecV4> specs = checkpoint_tensors_v4(c);
  std::set<std::string> names;
  for (const TensorSpecV4& s : specs) {
    EXPECT_TRUE(names.insert(s.name).second) << "twice: " << s.name;
    const TensorView* t = ck->find(s.name);
    ASSERT_NE(t, nullptr) << s.name;
    EXPECT_EQ(t->dtype, s.dtype) << s.name;
    EXPECT_EQ(t->shape, s.shape) << s.name;
    EXPECT_EQ(t->nbytes, s.bytes()) << s.name;
  }
  EXPECT_EQ(specs.size(), ck->tensors().size());
  EXPECT_EQ(specs.size(), 667u);
  // Parameters as the binder counts them (FP4 codes two a byte, no scales, no tid2eid).
  EXPECT_EQ(weight_plan_v4(c, specs).params, 11482844);
  EXPECT_EQ(weight_plan_v4(c, specs).params, int64_t(ModelWeightsV4::bind(*ck, c).n_params));
}

TEST(TensorSpecsV4, SyntheticTid2eidRowsAreDistinctAndInRange) {
  const ConfigV4 c = load_config("deepseek-v4-config/config.json");
  const std::vector<uint8_t> t = synthetic_tid2eid(c);
  ASSERT_EQ(t.size(), size_t(129280) * 6 * 8);
  auto at = [&](int64_t row, int64_t j) {
    int64_t v;
    std::memcpy(&v, t.data() + 8 * (row * 6 + j), 8);
    return v;
  };
  for (int64_t row : {0, 1, 250, 251, 129279}) {
    std::set<int64_t> ids;
    for (int j = 0; j < 6; ++j) {
      EXPECT_EQ(at(row, j), (row + j) % 256);
      ids.insert(at(row, j));
    }
    EXPECT_EQ(ids.size(), 6u);
  }
}

// DeepSeek-V4-Flash: 43 layers (2 window, 21 CSA ratio 4, 20 HCA ratio 128) + MTP (window),
// window 128, head_dim 512, index_head_dim 128.
TEST(PlanV4, FlashStateByHand) {
  const ConfigV4 c = load_config("deepseek-v4-config/config.json");
  const StatePlanV4 p = state_plan_v4(c);
  ASSERT_EQ(p.layers.size(), 44u);
  int window = 0, csa = 0, hca = 0;
  for (const auto& l : p.layers) {
    EXPECT_EQ(l.window_values, 128 * 512);
    if (l.kind == AttnKindV4::kWindow) ++window;
    if (l.kind == AttnKindV4::kCsa) {
      ++csa;
      EXPECT_EQ(l.entry_values, 512);
      EXPECT_EQ(l.index_key_values, 128);
      EXPECT_DOUBLE_EQ(l.values_per_token(), 160.0);  // (512 + 128) / 4
      EXPECT_EQ(l.carry_values, (2 * 3 + 2 * 4) * 1024 + (2 * 3 + 2 * 4) * 256);
    }
    if (l.kind == AttnKindV4::kHca) {
      ++hca;
      EXPECT_EQ(l.index_key_values, 0);
      EXPECT_DOUBLE_EQ(l.values_per_token(), 4.0);  // 512 / 128
      EXPECT_EQ(l.carry_values, 2 * 127 * 512);
    }
  }
  EXPECT_EQ(window, 3);  // layers 0, 1 and the MTP block
  EXPECT_EQ(csa, 21);
  EXPECT_EQ(hca, 20);
  EXPECT_TRUE(p.layers.back().mtp);
  // Growth: 21 x 160 + 20 x 4 = 3440 values a token.
  EXPECT_DOUBLE_EQ(p.bytes_per_token(4), 3440.0 * 4);
  EXPECT_DOUBLE_EQ(p.bytes_per_token(2), 3440.0 * 2);
  // Fixed: 44 rings of 128 x 512 + carries 21 x 17920 + 20 x 130048 = 2977280 fp32 values.
  const int64_t rings = 44LL * 128 * 512, carries = 21LL * 17920 + 20LL * 130048;
  EXPECT_EQ(carries, 2977280);
  EXPECT_EQ(p.fixed_bytes(4), rings * 4 + carries * 4);  // 23,443,456
  EXPECT_EQ(p.fixed_bytes(2), rings * 2 + carries * 4);  // 17,676,288
  // 1M = 1048576 tokens (a multiple of 128): 3440 x 2^20 values of entries and keys.
  EXPECT_EQ(p.bytes_at(1 << 20, 4), 14428405760LL + 23443456LL);  // 14.45 GB exact
  EXPECT_EQ(p.bytes_at(1 << 20, 2), 7214202880LL + 17676288LL);   // 7.23 GB official
  // A partial block does not count yet: 130 tokens = 32 CSA entries, 1 HCA entry.
  EXPECT_EQ(p.bytes_at(130, 4), p.fixed_bytes(4) + 4 * (21LL * 32 * 640 + 20LL * 1 * 512));
  // Trunk only: the MTP ring less.
  EXPECT_EQ(p.bytes_at(1 << 20, 4, false), p.bytes_at(1 << 20, 4) - 128 * 512 * 4);
}

TEST(PlanV4, FlashWeightsByHand) {
  const ConfigV4 c = load_config("deepseek-v4-config/config.json");
  const std::vector<TensorSpecV4> specs = checkpoint_tensors_v4(c);
  const WeightPlanV4 w = weight_plan_v4(c, specs);
  // Routed experts: 43 layers x 256 x 3 x 2048 x 4096 FP4 codes (half a byte) + an E8M0 a 32.
  const WeightClassPlanV4& r = w.of(WeightClassV4::kRoutedExperts);
  EXPECT_EQ(r.params, 277025390592LL);
  EXPECT_EQ(r.bytes, 277025390592LL / 2 + 277025390592LL / 32);
  EXPECT_EQ(r.bytes_by_dtype.at("I8"), 277025390592LL / 2);
  EXPECT_EQ(r.bytes_by_dtype.at("F8_E8M0"), 277025390592LL / 32);
  EXPECT_DOUBLE_EQ(r.active_params, 277025390592.0 * 6 / 256);
  // Attention a layer: wq_a 1024x4096 + wq_b 32768x1024 + wkv 512x4096 + wo_a 8192x4096 +
  // wo_b 4096x8192 + q_norm 1024 + kv_norm 512 + attn_sink 64.
  const int64_t attn = 1024LL * 4096 + 32768LL * 1024 + 512LL * 4096 + 8192LL * 4096 + 4096LL * 8192 + 1024 + 512 + 64;
  EXPECT_EQ(w.of(WeightClassV4::kAttention).params, 43 * attn);
  // Embedding and head: 2 x 129280 x 4096 BF16; a token reads the head and one embedding row.
  const WeightClassPlanV4& e = w.of(WeightClassV4::kEmbedHead);
  EXPECT_EQ(e.params, 2LL * 129280 * 4096);
  EXPECT_DOUBLE_EQ(e.active_bytes, 129280.0 * 4096 * 2 + 4096 * 2);
  // Shared expert: 3 x 2048 x 4096 FP8 a layer.
  EXPECT_EQ(w.of(WeightClassV4::kSharedExperts).params, 43LL * 3 * 2048 * 4096);
  // The MTP block is read by no trunk step.
  EXPECT_GT(w.of(WeightClassV4::kMtp).bytes, 0);
  EXPECT_EQ(w.of(WeightClassV4::kMtp).active_bytes, 0);
  EXPECT_EQ(w.of(WeightClassV4::kOther).tensors, 0);
  // The advertised sizes: 284B parameters, 13B active.
  EXPECT_NEAR(double(w.params - w.of(WeightClassV4::kMtp).params), 284e9, 1.5e9);
  EXPECT_NEAR(w.active_params, 13e9, 0.5e9);
}

TEST(PlanV4, WeightClassesByName) {
  EXPECT_EQ(weight_class_v4("layers.3.attn.wq_b.scale"), WeightClassV4::kAttention);
  EXPECT_EQ(weight_class_v4("layers.3.attn.indexer.compressor.ape"), WeightClassV4::kCompressorIndexer);
  EXPECT_EQ(weight_class_v4("layers.3.attn.compressor.wkv.weight"), WeightClassV4::kCompressorIndexer);
  EXPECT_EQ(weight_class_v4("layers.0.ffn.gate.tid2eid"), WeightClassV4::kRouter);
  EXPECT_EQ(weight_class_v4("layers.0.ffn.experts.255.w2.weight"), WeightClassV4::kRoutedExperts);
  EXPECT_EQ(weight_class_v4("layers.0.ffn.shared_experts.w2.scale"), WeightClassV4::kSharedExperts);
  EXPECT_EQ(weight_class_v4("layers.0.hc_attn_fn"), WeightClassV4::kHc);
  EXPECT_EQ(weight_class_v4("hc_head_scale"), WeightClassV4::kHc);
  EXPECT_EQ(weight_class_v4("layers.0.ffn_norm.weight"), WeightClassV4::kNorms);
  EXPECT_EQ(weight_class_v4("mtp.0.e_proj.weight"), WeightClassV4::kMtp);
  EXPECT_EQ(weight_class_v4("head.weight"), WeightClassV4::kEmbedHead);
  EXPECT_EQ(weight_class_v4("drafter.0.weight"), WeightClassV4::kOther);
}

}  // namespace
}  // namespace dseek::test
