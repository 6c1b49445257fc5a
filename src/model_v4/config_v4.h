// ConfigV4: the Hugging Face config.json of a DeepSeek-V4 checkpoint (model_type "deepseek_v4":
// V4-Flash, V4-Pro) as plain data. Field names follow config.json. Every value the V4 forward
// reads comes from here; nothing about the schedule (window, compression ratios, hash layers)
// is hard-coded elsewhere.
// Source: oracle-v4 dsv4_ref.py `Config.load`; fixtures-v4/README.md (models table).
#pragma once
#include <string>
#include <vector>

namespace dseek {

// What a layer attends to besides its sliding window (compress_ratios[layer] = r).
enum class AttnKindV4 {
  kWindow,  // r == 0: the window only (rope_theta, no YaRN)
  kCsa,     // r == 4: overlapping compressor (2 x head_dim rows) + lightning indexer top-k
  kHca,     // any other r > 0: non-overlapping compressor, every visible entry attended
};

struct ConfigV4 {
  std::string model_type;  // always "deepseek_v4"
  int vocab_size = 0;
  int hidden_size = 0;
  int num_hidden_layers = 0;         // trunk blocks
  int num_nextn_predict_layers = 0;  // MTP blocks (layer ids num_hidden_layers ...)
  // Attention: one shared key/value of head_dim per token (num_key_value_heads == 1).
  int num_attention_heads = 0;
  int num_key_value_heads = 1;
  int head_dim = 0;          // q / kv width a head; RoPE on its last qk_rope_head_dim dims
  int qk_rope_head_dim = 0;  // even
  int q_lora_rank = 0;
  int o_groups = 0;      // wo_a groups; divides num_attention_heads
  int o_lora_rank = 0;   // wo_a output width a group
  int sliding_window = 0;  // tokens a query sees before compression (itself included)
  // Lightning indexer of CSA layers.
  int index_n_heads = 0;
  int index_head_dim = 0;  // a power of two >= qk_rope_head_dim (Hadamard rotation)
  int index_topk = 0;      // compressed entries a query selects
  // Per layer, trunk then MTP: 0 window only, 4 CSA, other r HCA (r tokens an entry).
  // Length num_hidden_layers + num_nextn_predict_layers.
  std::vector<int> compress_ratios;
  // RoPE: window layers use rope_theta without YaRN; compressed layers compress_rope_theta
  // with YaRN (when rope_scaling is yarn) on every rotation.
  double rope_theta = 0;
  double compress_rope_theta = 0;
  bool yarn = false;                   // rope_scaling.type == "yarn"
  double rope_factor = 1.0;            // rope_scaling.factor
  int rope_original_max_position = 0;  // rope_scaling.original_max_position_embeddings
  double rope_beta_fast = 32.0;
  double rope_beta_slow = 1.0;
  int max_position_embeddings = 0;
  // MoE (every layer; the first num_hash_layers route by token id via tid2eid).
  int num_hash_layers = 0;
  int n_routed_experts = 0;
  int num_experts_per_tok = 0;
  int moe_intermediate_size = 0;
  int n_shared_experts = 1;            // must be 1
  double routed_scaling_factor = 1.0;
  double swiglu_limit = 0;             // clamp of SwiGLU (up to +-limit, gate to <= limit); 0 = none
  std::string scoring_func = "sqrtsoftplus";  // the only one V4 defines
  // Hyper-connections (mHC).
  int hc_mult = 0;            // residual streams
  int hc_sinkhorn_iters = 0;  // Sinkhorn iterations of the comb matrix (>= 1)
  double hc_eps = 0;
  double rms_norm_eps = 0;
  int bos_token_id = 0;
  int eos_token_id = 1;
  bool tie_word_embeddings = false;
  // quantization_config: FP8 e4m3 linears with 128x128 blocks; scale_fmt "ue8m0" = E8M0
  // (power-of-two) weight scales and activation scales. fp8 false: no quantization_config.
  bool fp8 = false;
  std::string fp8_fmt;    // "e4m3"
  std::string scale_fmt;  // "ue8m0"
  // Routed experts' weight format: "fp4" (e2m1 pairs in I8, E8M0 scale per 32) or "fp8"
  // (absent key: like the other linears).
  std::string expert_dtype = "fp8";

  int num_layers_total() const { return num_hidden_layers + num_nextn_predict_layers; }
  // compress_ratios[layer] for layer in [0, num_layers_total()); std::out_of_range otherwise.
  int compress_ratio(int layer) const { return compress_ratios.at(layer); }
  AttnKindV4 attn_kind(int layer) const;
  // Trunk layers below num_hash_layers route by tid2eid; MTP blocks never do.
  bool is_hash_layer(int layer) const { return layer < num_hash_layers && layer < num_hidden_layers; }
  // quantization_config.scale_fmt "ue8m0": activation (and KV / indexer) scales rounded up to
  // powers of two in the official numerics.
  bool ue8m0() const { return scale_fmt == "ue8m0"; }
  // Softmax scale of the attention: head_dim^-0.5 (no YaRN mscale in V4).
  double softmax_scale() const;

  // Parses and validates a config.json. Throws dseek::Error "<path>: key '<k>' <why>" for a
  // missing or ill-typed key, a model_type other than deepseek_v4, compress_ratios of the wrong
  // length or with a negative entry, and inconsistent sizes (see config_v4.cc).
  static ConfigV4 from_file(const std::string& path);
  // The same from JSON text; `source` names it in messages.
  static ConfigV4 from_json_text(const std::string& text, const std::string& source);
  // True when `text` is a JSON object whose model_type is "deepseek_v4"; false for anything
  // else, invalid JSON included (the V3 reader then reports the defect).
  static bool is_v4_text(const std::string& text);
};

}  // namespace dseek
