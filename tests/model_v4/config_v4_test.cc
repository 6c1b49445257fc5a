// ConfigV4 on the tiny-v4 fixture's config, the real V4-Flash and V4-Pro configs, and malformed
// configs (exact messages naming the file and the key).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "model_v4/config_v4.h"
#include "runtime/error.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

std::string config_path(const std::string& name) { return data_path("deepseek-v4-config/" + name); }

nlohmann::json tiny_json() {
  std::ifstream in(config_path("tiny-v4.config.json"));
  return nlohmann::json::parse(in);
}

// The message ConfigV4 throws for `j` read from `src`; empty when it parses.
std::string error_of(const nlohmann::json& j, const std::string& src = "bad/config.json") {
  try {
    ConfigV4::from_json_text(j.dump(), src);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ConfigV4, TinyFixture) {
  ConfigV4 c = ConfigV4::from_file(config_path("tiny-v4.config.json"));
  EXPECT_EQ(c.model_type, "deepseek_v4");
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.hidden_size, 256);
  EXPECT_EQ(c.num_hidden_layers, 4);
  EXPECT_EQ(c.num_nextn_predict_layers, 1);
  EXPECT_EQ(c.num_layers_total(), 5);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.qk_rope_head_dim, 64);
  EXPECT_EQ(c.q_lora_rank, 128);
  EXPECT_EQ(c.o_groups, 2);
  EXPECT_EQ(c.o_lora_rank, 128);
  EXPECT_EQ(c.sliding_window, 128);
  EXPECT_EQ(c.index_n_heads, 16);
  EXPECT_EQ(c.index_head_dim, 128);
  EXPECT_EQ(c.index_topk, 16);
  EXPECT_EQ(c.compress_ratios, (std::vector<int>{0, 4, 128, 4, 0}));
  EXPECT_EQ(c.num_hash_layers, 2);
  EXPECT_EQ(c.n_routed_experts, 16);
  EXPECT_EQ(c.num_experts_per_tok, 4);
  EXPECT_EQ(c.moe_intermediate_size, 128);
  EXPECT_EQ(c.n_shared_experts, 1);
  EXPECT_DOUBLE_EQ(c.routed_scaling_factor, 1.5);
  EXPECT_DOUBLE_EQ(c.swiglu_limit, 10.0);
  EXPECT_EQ(c.scoring_func, "sqrtsoftplus");
  EXPECT_EQ(c.hc_mult, 4);
  EXPECT_EQ(c.hc_sinkhorn_iters, 20);
  EXPECT_DOUBLE_EQ(c.hc_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000);
  EXPECT_DOUBLE_EQ(c.compress_rope_theta, 160000);
  EXPECT_TRUE(c.yarn);
  EXPECT_DOUBLE_EQ(c.rope_factor, 16);
  EXPECT_EQ(c.rope_original_max_position, 65536);
  EXPECT_DOUBLE_EQ(c.rope_beta_fast, 32);
  EXPECT_DOUBLE_EQ(c.rope_beta_slow, 1);
  EXPECT_TRUE(c.fp8);
  EXPECT_EQ(c.fp8_fmt, "e4m3");
  EXPECT_EQ(c.scale_fmt, "ue8m0");
  EXPECT_EQ(c.expert_dtype, "fp4");
  EXPECT_EQ(c.bos_token_id, 0);
  EXPECT_EQ(c.eos_token_id, 1);
  EXPECT_DOUBLE_EQ(c.softmax_scale(), 1.0 / std::sqrt(128.0));
  // L0 window, L1 CSA, L2 HCA, L3 CSA, MTP window; hash routing on L0, L1 only.
  EXPECT_EQ(c.attn_kind(0), AttnKindV4::kWindow);
  EXPECT_EQ(c.attn_kind(1), AttnKindV4::kCsa);
  EXPECT_EQ(c.attn_kind(2), AttnKindV4::kHca);
  EXPECT_EQ(c.attn_kind(3), AttnKindV4::kCsa);
  EXPECT_EQ(c.attn_kind(4), AttnKindV4::kWindow);
  EXPECT_TRUE(c.is_hash_layer(1));
  EXPECT_FALSE(c.is_hash_layer(2));
  EXPECT_THROW(c.compress_ratio(5), std::out_of_range);
}

TEST(ConfigV4, RealFlash) {
  ConfigV4 c = ConfigV4::from_file(config_path("config.json"));
  EXPECT_EQ(c.hidden_size, 4096);
  EXPECT_EQ(c.num_hidden_layers, 43);
  EXPECT_EQ(c.compress_ratios.size(), 44u);
  EXPECT_EQ(c.num_attention_heads, 64);
  EXPECT_EQ(c.head_dim, 512);
  EXPECT_EQ(c.q_lora_rank, 1024);
  EXPECT_EQ(c.o_groups, 8);
  EXPECT_EQ(c.o_lora_rank, 1024);
  EXPECT_EQ(c.index_n_heads, 64);
  EXPECT_EQ(c.index_topk, 512);
  EXPECT_EQ(c.n_routed_experts, 256);
  EXPECT_EQ(c.num_experts_per_tok, 6);
  EXPECT_EQ(c.moe_intermediate_size, 2048);
  EXPECT_EQ(c.num_hash_layers, 3);
  EXPECT_EQ(c.vocab_size, 129280);
  EXPECT_EQ(c.max_position_embeddings, 1048576);
  // [0, 0, 4, 128, 4, 128, ..., 4, 0]: two window layers, alternating CSA / HCA, a window MTP block.
  int csa = 0, hca = 0, window = 0;
  for (int L = 0; L < c.num_layers_total(); ++L) {
    AttnKindV4 k = c.attn_kind(L);
    (k == AttnKindV4::kCsa ? csa : k == AttnKindV4::kHca ? hca : window)++;
  }
  EXPECT_EQ(window, 3);
  EXPECT_EQ(csa, 21);
  EXPECT_EQ(hca, 20);
  EXPECT_EQ(c.compress_ratio(43), 0);
}

TEST(ConfigV4, RealPro) {
  ConfigV4 c = ConfigV4::from_file(config_path("config-pro.json"));
  EXPECT_EQ(c.hidden_size, 7168);
  EXPECT_EQ(c.num_hidden_layers, 61);
  EXPECT_EQ(c.compress_ratios.size(), 62u);
  EXPECT_EQ(c.num_attention_heads, 128);
  EXPECT_EQ(c.q_lora_rank, 1536);
  EXPECT_EQ(c.o_groups, 16);
  EXPECT_EQ(c.index_topk, 1024);
  EXPECT_EQ(c.n_routed_experts, 384);
  EXPECT_EQ(c.moe_intermediate_size, 3072);
  EXPECT_DOUBLE_EQ(c.routed_scaling_factor, 2.5);
  EXPECT_EQ(c.attn_kind(0), AttnKindV4::kHca);
  EXPECT_EQ(c.attn_kind(1), AttnKindV4::kHca);
  EXPECT_EQ(c.attn_kind(2), AttnKindV4::kCsa);
  EXPECT_EQ(c.attn_kind(60), AttnKindV4::kCsa);
  EXPECT_EQ(c.attn_kind(61), AttnKindV4::kWindow);
}

TEST(ConfigV4, CompressRatiosWrongLengthNamesFileAndKey) {
  nlohmann::json j = tiny_json();
  j["compress_ratios"] = {0, 4, 128, 4};  // the MTP block's entry is missing
  std::string path = ::testing::TempDir() + "v4_short_ratios.json";
  std::ofstream(path) << j.dump();
  try {
    ConfigV4::from_file(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": key 'compress_ratios' has 4 entries; expected num_hidden_layers + "
                     "num_nextn_predict_layers = 4 + 1 = 5");
  }
  std::remove(path.c_str());
  j["compress_ratios"] = {0, 4, 128, 4, 0, 4};
  EXPECT_EQ(error_of(j), "bad/config.json: key 'compress_ratios' has 6 entries; expected num_hidden_layers + "
                         "num_nextn_predict_layers = 4 + 1 = 5");
}

TEST(ConfigV4, CompressRatiosBadEntries) {
  nlohmann::json j = tiny_json();
  j["compress_ratios"] = {0, 4, -128, 4, 0};
  EXPECT_EQ(error_of(j), "bad/config.json: key 'compress_ratios' entry 2 is -128; expected 0 (window only) or "
                         "a positive compression ratio");
  j["compress_ratios"] = {0, 4, 128, "4", 0};
  EXPECT_EQ(error_of(j), "bad/config.json: key 'compress_ratios' entry 3 is \"4\"; expected 0 (window only) or "
                         "a positive compression ratio");
  j["compress_ratios"] = 4;
  EXPECT_EQ(error_of(j), "bad/config.json: key 'compress_ratios' must be an array of integers, got 4");
  j.erase("compress_ratios");
  EXPECT_EQ(error_of(j), "bad/config.json: key 'compress_ratios' is missing");
}

TEST(ConfigV4, MissingKeysNameFileAndKey) {
  for (const char* key : {"sliding_window", "hc_sinkhorn_iters", "compress_rope_theta", "swiglu_limit",
                          "o_groups", "num_hash_layers", "index_topk", "hc_eps"}) {
    nlohmann::json j = tiny_json();
    j.erase(key);
    EXPECT_EQ(error_of(j), std::string("bad/config.json: key '") + key + "' is missing");
  }
  nlohmann::json j = tiny_json();
  j["rope_scaling"].erase("factor");
  EXPECT_EQ(error_of(j), "bad/config.json: key 'rope_scaling.factor' is missing");
  std::string path = ::testing::TempDir() + "v4_no_window.json";
  j = tiny_json();
  j.erase("sliding_window");
  std::ofstream(path) << j.dump();
  try {
    ConfigV4::from_file(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": key 'sliding_window' is missing");
  }
  std::remove(path.c_str());
}

TEST(ConfigV4, WrongValues) {
  auto with = [](const std::string& key, const nlohmann::json& v) {
    nlohmann::json j = tiny_json();
    j[key] = v;
    return error_of(j);
  };
  EXPECT_EQ(with("model_type", "deepseek_v32"),
            "bad/config.json: key 'model_type' is 'deepseek_v32'; expected 'deepseek_v4' (DeepSeek-V4-Flash, V4-Pro)");
  EXPECT_EQ(with("hidden_size", 256.5), "bad/config.json: key 'hidden_size' must be an integer, got 256.5");
  EXPECT_EQ(with("sliding_window", 0), "bad/config.json: key 'sliding_window' must be positive");
  EXPECT_EQ(with("o_groups", 3), "bad/config.json: key 'o_groups' must divide num_attention_heads");
  EXPECT_EQ(with("index_head_dim", 96), "bad/config.json: key 'index_head_dim' must be a power of two >= qk_rope_head_dim");
  EXPECT_EQ(with("num_hash_layers", 5), "bad/config.json: key 'num_hash_layers' must be in 0..num_hidden_layers");
  EXPECT_EQ(with("scoring_func", "sigmoid"),
            "bad/config.json: key 'scoring_func' is 'sigmoid'; DeepSeek-V4 uses 'sqrtsoftplus'");
  EXPECT_EQ(with("expert_dtype", "fp16"), "bad/config.json: key 'expert_dtype' is 'fp16'; expected 'fp4' or 'fp8'");
  EXPECT_EQ(with("rope_scaling", {{"type", "linear"}, {"factor", 2}}),
            "bad/config.json: key 'rope_scaling.type' is 'linear'; DeepSeek-V4 uses 'yarn'");
  EXPECT_EQ(with("quantization_config", {{"quant_method", "fp8"}, {"weight_block_size", {64, 64}}}),
            "bad/config.json: key 'quantization_config.weight_block_size' must be [128, 128], got [64,64]");
  EXPECT_EQ(error_of(nlohmann::json::array()), "bad/config.json: not a JSON object");
  EXPECT_THROW(ConfigV4::from_file("/nonexistent/config.json"), Error);
}

TEST(ConfigV4, OptionalKeysDefault) {
  nlohmann::json j = tiny_json();
  for (const char* key : {"rope_scaling", "quantization_config", "expert_dtype", "n_shared_experts",
                          "num_key_value_heads", "scoring_func"})
    j.erase(key);
  ConfigV4 c = ConfigV4::from_json_text(j.dump(), "min.json");
  EXPECT_FALSE(c.yarn);
  EXPECT_FALSE(c.fp8);
  EXPECT_EQ(c.expert_dtype, "fp8");
  EXPECT_EQ(c.n_shared_experts, 1);
  EXPECT_EQ(c.scoring_func, "sqrtsoftplus");
}

}  // namespace
}  // namespace dseek::test
