// GGUF files behind Checkpoint: the config derived from metadata, the GGUF -> HF tensor
// names (README mapping table), split sets, and errors that name the file and key/tensor.
#include <gtest/gtest.h>

#include <set>

#include "gguf_test_util.h"
#include "weights/checkpoint.h"
#include "weights/gguf_model.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

const char* const kModelFiles[] = {"gguf-v32-Q8_0.gguf",      "gguf-v32-Q6_K.gguf",
                                   "gguf-v32-Q4_K_M.gguf",    "gguf-v32-IQ4_XS.gguf",
                                   "gguf-v32-IQ2_XXS-mix.gguf", "gguf-v32-IQ1_S-mix.gguf",
                                   "gguf-v32-Q2_K-00001-of-00002.gguf"};

// Every field the model reads (all but the FP8 quantisation fields, which a GGUF lacks).
void expect_same_config(const ModelConfig& a, const ModelConfig& b) {
#define SAME(f) EXPECT_EQ(a.f, b.f) << #f
  SAME(model_type); SAME(vocab_size); SAME(hidden_size); SAME(intermediate_size); SAME(moe_intermediate_size);
  SAME(num_hidden_layers); SAME(first_k_dense_replace); SAME(moe_layer_freq); SAME(num_attention_heads);
  SAME(n_routed_experts); SAME(n_shared_experts); SAME(num_experts_per_tok); SAME(n_group); SAME(topk_group);
  SAME(routed_scaling_factor); SAME(scoring_func); SAME(topk_method); SAME(norm_topk_prob); SAME(q_lora_rank);
  SAME(kv_lora_rank); SAME(qk_nope_head_dim); SAME(qk_rope_head_dim); SAME(v_head_dim); SAME(rope_theta);
  SAME(rms_norm_eps); SAME(max_position_embeddings); SAME(rope_factor); SAME(rope_original_max_position);
  SAME(rope_beta_fast); SAME(rope_beta_slow); SAME(rope_mscale); SAME(rope_mscale_all_dim); SAME(has_indexer);
  SAME(index_n_heads); SAME(index_head_dim); SAME(index_topk); SAME(num_nextn_predict_layers); SAME(bos_token_id);
  SAME(eos_token_id); SAME(tie_word_embeddings);
#undef SAME
}

TEST(GgufConfig, EachFixtureMatchesItsHfConfig) {
  const ModelConfig hf = ModelConfig::from_file(gguf_fixture("config.json"));
  for (const char* file : kModelFiles) {
    SCOPED_TRACE(file);
    auto f = GgufFile::open(gguf_fixture(file));
    ModelConfig c = gguf_model_config(*f);
    expect_same_config(c, hf);
    EXPECT_FALSE(c.fp8);
    auto ck = Checkpoint::open(gguf_fixture(file));
    expect_same_config(ck->config(), hf);
  }
}

TEST(GgufConfig, VocabOnlyMatchesTheReal671BConfig) {
  const ModelConfig real = ModelConfig::from_file(data_path("deepseek-v3.2-config/config.json"));
  auto f = GgufFile::open(vocab_only_gguf());
  ModelConfig c = gguf_model_config(*f);
  expect_same_config(c, real);
  EXPECT_EQ(c.num_hidden_layers, 61);
  EXPECT_EQ(c.index_topk, 2048);
}

struct GgufCheckpoint : ::testing::Test {
  TempDir tmp;
  // Q8_0 rewritten with metadata edits; returns Checkpoint::open's error.
  std::string edited_error(const std::function<void(GgufWriter&)>& edit, const std::vector<std::string>& skip = {}) {
    auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
    const std::string p = tmp.path("edited.gguf");
    rewrite_gguf(*src, p, edit, skip);
    std::string e = error_of([&] { Checkpoint::open(p); });
    EXPECT_NE(e.find(p), std::string::npos) << "names the file: " << e;
    return e;
  }
};

// The HF names the model binder looks up for gguf-v32 (2 layers + 1 MTP, layer 0 dense).
std::set<std::string> expected_hf_names() {
  std::set<std::string> s{"model.embed_tokens.weight", "lm_head.weight", "model.norm.weight"};
  for (int i = 0; i < 3; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    for (const char* n : {"input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.q_a_proj.weight",
                          "self_attn.q_a_layernorm.weight", "self_attn.q_b_proj.weight",
                          "self_attn.kv_a_proj_with_mqa.weight", "self_attn.kv_a_layernorm.weight",
                          "self_attn.k_b_proj.weight", "self_attn.v_b_proj.weight", "self_attn.o_proj.weight",
                          "self_attn.indexer.wq_b.weight", "self_attn.indexer.wk.weight",
                          "self_attn.indexer.k_norm.weight", "self_attn.indexer.k_norm.bias",
                          "self_attn.indexer.weights_proj.weight"})
      s.insert(p + n);
    if (i == 0) {
      for (const char* n : {"mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"}) s.insert(p + n);
      continue;
    }
    for (const char* n : {"mlp.gate.weight", "mlp.gate.e_score_correction_bias", "mlp.shared_experts.gate_proj.weight",
                          "mlp.shared_experts.up_proj.weight", "mlp.shared_experts.down_proj.weight"})
      s.insert(p + n);
    for (int e = 0; e < 6; ++e)
      for (const char* n : {"gate_proj.weight", "up_proj.weight", "down_proj.weight"})
        s.insert(p + "mlp.experts." + std::to_string(e) + "." + n);
  }
  for (const char* n : {"eh_proj.weight", "enorm.weight", "hnorm.weight", "shared_head.norm.weight"})
    s.insert(std::string("model.layers.2.") + n);
  return s;
}

TEST_F(GgufCheckpoint, EveryFixtureMapsOntoTheHfNames) {
  for (const char* file : kModelFiles) {
    SCOPED_TRACE(file);
    auto ck = Checkpoint::open(gguf_fixture(file));
    EXPECT_TRUE(ck->is_gguf());
    EXPECT_TRUE(ck->files().empty());
    std::set<std::string> names;
    for (const auto& [n, t] : ck->tensors()) names.insert(n);
    EXPECT_EQ(names, expected_hf_names());
    EXPECT_TRUE(ck->unmapped_gguf_tensors().empty());
    EXPECT_EQ(ck->gguf_names().size(), ck->tensors().size());
    size_t bytes = 0;
    for (const auto& g : ck->gguf_files()) bytes += g->file_size();
    EXPECT_EQ(ck->total_bytes(), bytes);
    // Names map back, and every view names its GGUF file and tensor.
    for (const auto& [hf, gguf] : ck->gguf_names()) {
      int e = -1;
      std::string stacked = hf_to_gguf_name(hf, &e);
      EXPECT_EQ(e < 0 ? stacked : stacked + "[" + std::to_string(e) + "]", gguf);
      EXPECT_EQ(gguf_to_hf_name(stacked, e), hf);
      const TensorView& t = ck->get(hf);
      EXPECT_EQ(t.name, gguf);
      ASSERT_TRUE(t.file);
      bool in_a_file = false;
      for (const auto& g : ck->gguf_files()) in_a_file |= *t.file == g->path() && g->find(stacked);
      EXPECT_TRUE(in_a_file) << hf;
      EXPECT_EQ(t.nbytes, t.expected_bytes());
    }
  }
}

TEST_F(GgufCheckpoint, ShapesAndExpertViews) {
  auto ck = Checkpoint::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  using S = std::vector<int64_t>;
  EXPECT_EQ(ck->get("model.layers.1.self_attn.k_b_proj.weight").shape, (S{4, 256, 128}));
  EXPECT_EQ(ck->get("model.layers.1.self_attn.v_b_proj.weight").shape, (S{4, 128, 256}));
  EXPECT_EQ(ck->get("model.layers.0.self_attn.q_b_proj.weight").shape, (S{768, 256}));
  EXPECT_EQ(ck->get("model.layers.1.mlp.gate.weight").shape, (S{6, 256}));
  EXPECT_EQ(ck->get("lm_head.weight").shape, (S{512, 256}));
  const GgufFile& g = *ck->gguf_files()[0];
  const TensorView& stack = *g.find("blk.1.ffn_gate_exps.weight");
  const size_t slice = 256 * dtype_row_bytes(DType::Q8_0, 256);
  for (int e = 0; e < 6; ++e) {
    const TensorView& v = ck->get("model.layers.1.mlp.experts." + std::to_string(e) + ".gate_proj.weight");
    EXPECT_EQ(v.shape, (S{256, 256}));
    EXPECT_EQ(v.dtype, DType::Q8_0);
    EXPECT_EQ(v.data, stack.data + e * slice) << "zero-copy slice " << e;
    EXPECT_EQ(v.nbytes, slice);
    EXPECT_EQ(v.name, "blk.1.ffn_gate_exps.weight[" + std::to_string(e) + "]");
    EXPECT_EQ(*v.file, g.path());
  }
  EXPECT_EQ(ck->get("model.layers.2.mlp.experts.5.down_proj.weight").data + slice,
            g.find("blk.2.ffn_down_exps.weight")->data + 6 * slice);
  EXPECT_EQ(ck->gguf_names().at("model.layers.1.self_attn.k_b_proj.weight"), "blk.1.attn_k_b.weight");
  EXPECT_EQ(ck->dir(), gguf_fixture("gguf-v32-Q8_0.gguf"));
}

TEST_F(GgufCheckpoint, SplitPairOpensFromEitherPart) {
  const std::string p1 = gguf_fixture("gguf-v32-Q2_K-00001-of-00002.gguf");
  const std::string p2 = gguf_fixture("gguf-v32-Q2_K-00002-of-00002.gguf");
  for (const std::string& p : {p1, p2}) {
    auto ck = Checkpoint::open(p);
    ASSERT_EQ(ck->gguf_files().size(), 2u);
    EXPECT_EQ(ck->gguf_files()[0]->path(), p1);
    EXPECT_EQ(ck->gguf_files()[1]->path(), p2);
    EXPECT_EQ(ck->gguf_files()[0]->tensors().size() + ck->gguf_files()[1]->tensors().size(), 71u);
    EXPECT_EQ(ck->dir(), p1);
    EXPECT_EQ(ck->tensors().size(), expected_hf_names().size());
    EXPECT_EQ(ck->config().n_routed_experts, 6);
    EXPECT_EQ(*ck->get("lm_head.weight").file, p1);
    EXPECT_EQ(*ck->get("model.layers.1.post_attention_layernorm.weight").file, p2);
    EXPECT_EQ(*ck->get("model.layers.1.mlp.experts.5.up_proj.weight").file, p2);
  }
}

TEST_F(GgufCheckpoint, MissingSplitPartNamesIt) {
  for (int keep : {1, 2}) {
    const std::string dir = tmp.path("keep" + std::to_string(keep)) + "/";
    fs::create_directories(dir);
    const std::string name1 = "gguf-v32-Q2_K-00001-of-00002.gguf", name2 = "gguf-v32-Q2_K-00002-of-00002.gguf";
    const std::string kept = keep == 1 ? name1 : name2, gone = keep == 1 ? name2 : name1;
    fs::copy_file(gguf_fixture(kept), dir + kept);
    std::string e = error_of([&] { Checkpoint::open(dir + kept); });
    EXPECT_NE(e.find(dir + gone), std::string::npos) << e;
    EXPECT_NE(e.find("missing"), std::string::npos) << e;
  }
  // A part renamed so its name no longer says where the others are.
  fs::copy_file(gguf_fixture("gguf-v32-Q2_K-00002-of-00002.gguf"), tmp.path("renamed.gguf"));
  std::string e = error_of([&] { Checkpoint::open(tmp.path("renamed.gguf")); });
  EXPECT_NE(e.find(tmp.path("renamed.gguf")), std::string::npos) << e;
}

TEST_F(GgufCheckpoint, WrongTypedKeyNamesFileAndKey) {
  std::string e = edited_error([](GgufWriter& w) { w.set_string("deepseek32.block_count", "3"); });
  EXPECT_NE(e.find("'deepseek32.block_count' has type STRING"), std::string::npos) << e;
  e = edited_error([](GgufWriter& w) { w.set_string("deepseek32.expert_weights_norm", "yes"); });
  EXPECT_NE(e.find("'deepseek32.expert_weights_norm'"), std::string::npos) << e;
}

TEST_F(GgufCheckpoint, MetadataErrors) {
  std::string e = edited_error([](GgufWriter& w) { w.set_string("general.architecture", "llama"); });
  EXPECT_NE(e.find("'llama'"), std::string::npos) << e;
  e = edited_error({}, {"deepseek32.attention.kv_lora_rank"});
  EXPECT_NE(e.find("missing metadata key 'deepseek32.attention.kv_lora_rank'"), std::string::npos) << e;
  e = edited_error([](GgufWriter& w) { w.set_u32("deepseek32.expert_gating_func", 3); });
  EXPECT_NE(e.find("'deepseek32.expert_gating_func' = 3"), std::string::npos) << e;
  e = edited_error([](GgufWriter& w) { w.set_string("deepseek32.rope.scaling.type", "linear"); });
  EXPECT_NE(e.find("'deepseek32.rope.scaling.type' is 'linear'"), std::string::npos) << e;
  // Stacked experts that disagree with expert_count: names the tensor.
  e = edited_error([](GgufWriter& w) { w.set_u32("deepseek32.expert_count", 3); });
  EXPECT_NE(e.find("tensor 'blk.1.ffn_"), std::string::npos) << e;
  EXPECT_NE(e.find("stacks 6 experts"), std::string::npos) << e;
  // Inconsistent sizes are caught by ModelConfig's own validation.
  e = edited_error([](GgufWriter& w) { w.set_u32("deepseek32.expert_group_count", 4); });
  EXPECT_NE(e.find("n_group"), std::string::npos) << e;
}

// Keys whose default would change the model's output are required: the error names the file,
// the GGUF key and its config.json counterpart.
TEST_F(GgufCheckpoint, KeysThatChangeTheOutputAreRequired) {
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  const std::string p = tmp.path("edited.gguf");
  rewrite_gguf(*src, p, {}, {"deepseek32.expert_weights_scale"});
  EXPECT_EQ(error_of([&] { Checkpoint::open(p); }),
            p + ": missing metadata key 'deepseek32.expert_weights_scale' (routed_scaling_factor in the model's "
                "config.json); dseek does not assume a value for it, because a wrong one would change the model's output");
  const std::pair<const char*, const char*> keys[] = {
      {"nextn_predict_layers", "(num_nextn_predict_layers in"},
      {"expert_group_count", "(n_group in"},
      {"expert_group_used_count", "(topk_group in"},
      {"expert_shared_count", "(n_shared_experts in"},
      {"expert_used_count", "(num_experts_per_tok in"},
      {"expert_feed_forward_length", "(moe_intermediate_size in"},
      {"leading_dense_block_count", "(first_k_dense_replace in"},
      {"expert_gating_func", "(scoring_func: 1 softmax, 2 sigmoid in"},
      {"attention.q_lora_rank", "(q_lora_rank in"},
      {"rope.freq_base", "(rope_theta in"},
      {"attention.layer_norm_rms_epsilon", "(rms_norm_eps in"},
      {"context_length", "(max_position_embeddings in"},
      {"rope.scaling.factor", "(rope_scaling.factor in"},
      {"rope.scaling.original_context_length", "(rope_scaling.original_max_position_embeddings in"},
  };
  for (const auto& [key, hf] : keys) {
    SCOPED_TRACE(key);
    const std::string e = edited_error({}, {std::string("deepseek32.") + key});
    EXPECT_NE(e.find("missing metadata key 'deepseek32." + std::string(key) + "' " + hf), std::string::npos) << e;
  }
}

// What may be absent has one meaning: a dense model has no expert keys, expert_weights_norm is
// written only when true, YaRN's betas default to llama.cpp's (and DeepSeek's) 32 / 1.
TEST_F(GgufCheckpoint, OptionalKeysKeepTheConvertersMeaning) {
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  const std::string p = tmp.path("optional.gguf");
  rewrite_gguf(*src, p, {},
               {"deepseek32.expert_weights_norm", "deepseek32.rope.scaling.yarn_beta_fast",
                "deepseek32.rope.scaling.yarn_beta_slow"});
  auto f = GgufFile::open(p);
  const ModelConfig c = gguf_model_config(*f);
  EXPECT_FALSE(c.norm_topk_prob);
  EXPECT_EQ(c.rope_beta_fast, 32.0);
  EXPECT_EQ(c.rope_beta_slow, 1.0);
  EXPECT_EQ(c.routed_scaling_factor, 2.5);
  EXPECT_EQ(c.num_nextn_predict_layers, 1);
}

// deepseek2: llama.cpp's converter drops the MTP block and never writes nextn_predict_layers, so
// its absence means 0 -- unless the file holds an MTP block, which would then run as a layer.
TEST_F(GgufCheckpoint, Deepseek2WithoutNextnKeyRefusesAnMtpBlock) {
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  auto as_v3 = [&](const std::string& p, bool keep_mtp_block) {
    std::vector<std::string> skip{"general.architecture"};
    for (const auto& [k, v] : src->metadata())
      if (k.rfind("deepseek32.", 0) == 0) skip.push_back(k);
    GgufWriter w(p);
    for (const auto& [k, v] : src->metadata())
      if (std::find(skip.begin(), skip.end(), k) == skip.end()) w.set(k, v);
    w.set_string("general.architecture", "deepseek2");
    for (const auto& [k, v] : src->metadata())
      if (k.rfind("deepseek32.", 0) == 0 && k.find(".indexer.") == std::string::npos && k != "deepseek32.nextn_predict_layers")
        w.set("deepseek2." + k.substr(11), v);
    if (!keep_mtp_block) w.set_u32("deepseek2.block_count", 2);
    std::vector<std::string> names;
    for (const auto& n : src->tensor_order())
      if (keep_mtp_block || n.rfind("blk.2.", 0) != 0) names.push_back(n);
    for (const auto& n : names) w.add_tensor(n, src->find(n)->dtype, src->find(n)->shape);
    w.write_header();
    for (const auto& n : names) w.write_tensor(n, src->find(n)->data, src->find(n)->nbytes);
    w.finish();
  };
  const std::string with_mtp = tmp.path("v3-mtp.gguf"), without = tmp.path("v3.gguf");
  as_v3(with_mtp, true);
  EXPECT_EQ(error_of([&] { Checkpoint::open(with_mtp); }),
            with_mtp + ": tensor 'blk.2.nextn.eh_proj.weight' belongs to an MTP block, but the metadata makes block 2 a "
                       "main layer (deepseek2.block_count 3, nextn_predict_layers 0)");
  as_v3(without, false);
  auto ck = Checkpoint::open(without);
  EXPECT_EQ(ck->config().num_hidden_layers, 2);
  EXPECT_EQ(ck->config().num_nextn_predict_layers, 0);
}

// A tensor the model needs but the GGUF lacks: the message names the GGUF tensor, the file and
// the Hugging Face name the model asked for.
TEST_F(GgufCheckpoint, MissingTensorNamesTheGgufTensorAndFile) {
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  const std::string p = tmp.path("holes.gguf");
  {
    GgufWriter w(p);
    for (const auto& [k, v] : src->metadata()) w.set(k, v);
    std::vector<std::string> names;
    for (const auto& n : src->tensor_order())
      if (n != "blk.0.ffn_gate.weight" && n != "blk.1.ffn_up_exps.weight") names.push_back(n);
    for (const auto& n : names) w.add_tensor(n, src->find(n)->dtype, src->find(n)->shape);
    w.write_header();
    for (const auto& n : names) w.write_tensor(n, src->find(n)->data, src->find(n)->nbytes);
    w.finish();
  }
  auto ck = Checkpoint::open(p);
  EXPECT_EQ(error_of([&] { ck->get("model.layers.0.mlp.gate_proj.weight"); }),
            p + ": missing tensor 'blk.0.ffn_gate.weight' (Hugging Face name 'model.layers.0.mlp.gate_proj.weight')");
  EXPECT_EQ(error_of([&] { ck->get("model.layers.1.mlp.experts.2.up_proj.weight"); }),
            p + ": missing tensor 'blk.1.ffn_up_exps.weight' (holds expert 2, Hugging Face name "
                "'model.layers.1.mlp.experts.2.up_proj.weight')");
  EXPECT_EQ(error_of([&] { ck->get("model.layers.0.self_attn.q_a_proj.weight_scale_inv"); }),
            p + ": missing tensor 'model.layers.0.self_attn.q_a_proj.weight_scale_inv' (no GGUF tensor name maps to "
                "this Hugging Face name)");
  // A split set: every part is named.
  const std::string p1 = gguf_fixture("gguf-v32-Q2_K-00001-of-00002.gguf");
  const std::string p2 = gguf_fixture("gguf-v32-Q2_K-00002-of-00002.gguf");
  auto split = Checkpoint::open(p1);
  EXPECT_EQ(split->missing_tensor_message("model.layers.7.mlp.down_proj.weight"),
            p1 + " (split set: in none of its 2 parts: " + p2 +
                "): missing tensor 'blk.7.ffn_down.weight' (Hugging Face name 'model.layers.7.mlp.down_proj.weight')");
  // A safetensors checkpoint keeps its message.
  auto st = Checkpoint::open(data_path("fixtures/tiny-dense"));
  EXPECT_EQ(error_of([&] { st->get("nope"); }), data_path("fixtures/tiny-dense") + ": missing tensor 'nope'");
}

TEST_F(GgufCheckpoint, Deepseek2IsV3WithoutIndexerAndUnknownTensorsAreListed) {
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  std::vector<std::string> skip{"general.architecture"};
  for (const auto& [k, v] : src->metadata())
    if (k.rfind("deepseek32.", 0) == 0) skip.push_back(k);
  const std::string p = tmp.path("v3.gguf");
  TensorData extra{"blk.0.something_new.weight", DType::F32, {4}, std::vector<uint8_t>(16, 0)};
  rewrite_gguf(
      *src, p,
      [&](GgufWriter& w) {
        w.set_string("general.architecture", "deepseek2");
        for (const auto& [k, v] : src->metadata())
          if (k.rfind("deepseek32.", 0) == 0 && k.find(".indexer.") == std::string::npos)
            w.set("deepseek2." + k.substr(11), v);
      },
      skip, {extra});
  auto ck = Checkpoint::open(p);
  EXPECT_EQ(ck->config().model_type, "deepseek_v3");
  EXPECT_FALSE(ck->config().has_indexer);
  EXPECT_EQ(ck->config().num_hidden_layers, 2);
  EXPECT_EQ(ck->unmapped_gguf_tensors(), (std::vector<std::string>{"blk.0.something_new.weight"}));
  EXPECT_EQ(ck->find("blk.0.something_new.weight"), nullptr);
  EXPECT_TRUE(ck->find("model.layers.0.self_attn.k_b_proj.weight"));
}

TEST_F(GgufCheckpoint, LegacyCombinedKvBAndTiedHead) {
  // An older conversion: attn_kv_b instead of attn_k_b/attn_v_b, no `output` (head = token_embd).
  EXPECT_EQ(gguf_to_hf_name("blk.7.attn_kv_b.weight"), "model.layers.7.self_attn.kv_b_proj.weight");
  EXPECT_EQ(hf_to_gguf_name("model.layers.7.self_attn.kv_b_proj.weight"), "blk.7.attn_kv_b.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.2.nextn.embed_tokens.weight"), "model.layers.2.embed_tokens.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.2.nextn.shared_head_head.weight"), "model.layers.2.shared_head.head.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.1.ffn_up_exps.weight"), "") << "a stacked tensor has no single HF name";
  EXPECT_EQ(gguf_to_hf_name("blk.x.attn_norm.weight"), "");
  EXPECT_EQ(gguf_to_hf_name("rope_freqs.weight"), "");
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  const std::string p = tmp.path("tied.gguf");
  {
    GgufWriter w(p);
    for (const auto& [k, v] : src->metadata()) w.set(k, v);
    for (const auto& n : src->tensor_order())
      if (n != "output.weight") w.add_tensor(n, src->find(n)->dtype, src->find(n)->shape);
    for (const auto& n : src->tensor_order())
      if (n != "output.weight") w.write_tensor(n, src->find(n)->data, src->find(n)->nbytes);
    w.finish();
  }
  auto ck = Checkpoint::open(p);
  EXPECT_TRUE(ck->config().tie_word_embeddings);
  EXPECT_EQ(ck->find("lm_head.weight"), nullptr);
}

TEST_F(GgufCheckpoint, MalformedGgufThroughCheckpoint) {
  std::vector<uint8_t> b = read_bytes(gguf_fixture("gguf-v32-Q8_0.gguf"));
  b[1] = 'X';
  write_bytes(tmp.path("bad.gguf"), b);
  std::string e = error_of([&] { Checkpoint::open(tmp.path("bad.gguf")); });
  EXPECT_NE(e.find(tmp.path("bad.gguf")), std::string::npos) << e;
  e = error_of([&] { Checkpoint::open(tmp.path("absent.gguf")); });
  EXPECT_NE(e.find(tmp.path("absent.gguf")), std::string::npos) << e;
}

}  // namespace
}  // namespace dseek::test
