// ModelConfig: the Hugging Face config.json of a DeepSeek-V3 / V3.1 / V3.2 checkpoint as plain
// data. Key names follow config.json. `deepseek_v3` is the same model without the DSA
// lightning indexer (dense attention).
#pragma once
#include <string>

namespace dseek {

struct ModelConfig {
  std::string model_type;  // "deepseek_v32" or "deepseek_v3"
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int moe_intermediate_size = 0;
  int num_hidden_layers = 0;
  int first_k_dense_replace = 0;
  int moe_layer_freq = 1;
  int num_attention_heads = 0;
  int n_routed_experts = 0;
  int n_shared_experts = 0;
  int num_experts_per_tok = 0;
  int n_group = 1;
  int topk_group = 1;
  double routed_scaling_factor = 1.0;
  std::string scoring_func = "sigmoid";
  std::string topk_method = "noaux_tc";
  bool norm_topk_prob = true;
  int q_lora_rank = 0;
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
  double rope_theta = 10000.0;
  double rms_norm_eps = 1e-6;
  int max_position_embeddings = 4096;
  // YaRN (rope_scaling.type == "yarn"); factor <= 0 means no scaling.
  double rope_factor = 0.0;
  int rope_original_max_position = 4096;
  double rope_beta_fast = 32.0;
  double rope_beta_slow = 1.0;
  double rope_mscale = 1.0;
  double rope_mscale_all_dim = 0.0;
  // DSA lightning indexer (deepseek_v32 only; has_indexer false for deepseek_v3).
  bool has_indexer = false;
  int index_n_heads = 0;
  int index_head_dim = 0;
  int index_topk = 0;
  int num_nextn_predict_layers = 0;
  int bos_token_id = 0;
  int eos_token_id = 1;
  bool tie_word_embeddings = false;
  // quantization_config: FP8 e4m3, 128x128 weight blocks; "ue8m0" = power-of-two activation scales.
  bool fp8 = false;
  std::string scale_fmt;

  int qk_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
  bool is_moe_layer(int layer) const {
    return n_routed_experts > 0 && layer >= first_k_dense_replace && layer % moe_layer_freq == 0;
  }

  // Parses and validates a config.json; throws dseek::Error naming the file and the key for
  // a missing/ill-typed key, an unknown model_type, or inconsistent sizes.
  static ModelConfig from_file(const std::string& path);
  static ModelConfig from_json_text(const std::string& text, const std::string& source);

  // Every field as one config.json object (YaRN under "rope_scaling", fp8 / scale_fmt under
  // "quantization_config", plus "has_indexer"), in a fixed order: equal configs give equal
  // text, and from_json_text reads it back to an equal config.
  std::string to_json() const;
};

}  // namespace dseek
