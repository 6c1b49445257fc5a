#include "model_v4/config_v4.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "weights/config_json.h"

namespace dseek {

using nlohmann::json;

namespace {

// Typed access to one JSON object; `prefix` spells nested keys ("rope_scaling.factor").
struct Keys {
  const json& j;
  const std::string& src;
  std::string prefix;

  Error err(const std::string& key, const std::string& why) const {
    return Error(src + ": key '" + prefix + key + "' " + why);
  }
  bool has(const std::string& key) const { return j.contains(key) && !j[key].is_null(); }
  int req_int(const std::string& key) const {
    if (!has(key)) throw err(key, "is missing");
    return as_int(key);
  }
  int opt_int(const std::string& key, int def) const { return has(key) ? as_int(key) : def; }
  int as_int(const std::string& key) const {
    if (!j[key].is_number_integer()) throw err(key, "must be an integer, got " + j[key].dump());
    return j[key].get<int>();
  }
  double req_num(const std::string& key) const {
    if (!has(key)) throw err(key, "is missing");
    return opt_num(key, 0);
  }
  double opt_num(const std::string& key, double def) const {
    if (!has(key)) return def;
    if (!j[key].is_number()) throw err(key, "must be a number, got " + j[key].dump());
    return j[key].get<double>();
  }
  std::string opt_str(const std::string& key, const std::string& def) const {
    if (!has(key)) return def;
    if (!j[key].is_string()) throw err(key, "must be a string, got " + j[key].dump());
    return j[key].get<std::string>();
  }
  bool opt_bool(const std::string& key, bool def) const {
    if (!has(key)) return def;
    if (!j[key].is_boolean()) throw err(key, "must be true or false, got " + j[key].dump());
    return j[key].get<bool>();
  }
  void positive(const std::string& key, double v) const {
    if (!(v > 0)) throw err(key, "must be positive");
  }
};

bool is_pow2(int v) { return v > 0 && (v & (v - 1)) == 0; }

void read_rope_scaling(const Keys& top, ConfigV4& c) {
  if (!top.has("rope_scaling")) return;
  const json& rs = top.j["rope_scaling"];
  if (!rs.is_object()) throw top.err("rope_scaling", "must be an object, got " + rs.dump());
  Keys k{rs, top.src, "rope_scaling."};
  std::string type = k.opt_str("type", k.opt_str("rope_type", ""));
  if (type != "yarn") throw k.err("type", "is '" + type + "'; DeepSeek-V4 uses 'yarn'");
  c.yarn = true;
  c.rope_factor = k.req_num("factor");
  c.rope_original_max_position = k.req_int("original_max_position_embeddings");
  c.rope_beta_fast = k.opt_num("beta_fast", 32.0);
  c.rope_beta_slow = k.opt_num("beta_slow", 1.0);
  k.positive("factor", c.rope_factor);
  k.positive("original_max_position_embeddings", c.rope_original_max_position);
}

void read_quantization(const Keys& top, ConfigV4& c) {
  if (!top.has("quantization_config")) return;
  const json& q = top.j["quantization_config"];
  if (!q.is_object()) throw top.err("quantization_config", "must be an object, got " + q.dump());
  Keys k{q, top.src, "quantization_config."};
  std::string method = k.opt_str("quant_method", "");
  if (method != "fp8") throw k.err("quant_method", "is '" + method + "'; expected 'fp8'");
  c.fp8 = true;
  c.fp8_fmt = k.opt_str("fmt", "e4m3");
  if (c.fp8_fmt != "e4m3") throw k.err("fmt", "is '" + c.fp8_fmt + "'; expected 'e4m3'");
  c.scale_fmt = k.opt_str("scale_fmt", "");
  if (k.has("weight_block_size")) {
    const json& b = q["weight_block_size"];
    if (!(b.is_array() && b.size() == 2 && b[0] == 128 && b[1] == 128))
      throw k.err("weight_block_size", "must be [128, 128], got " + b.dump());
  }
}

void read_compress_ratios(const Keys& k, ConfigV4& c) {
  if (!k.has("compress_ratios")) throw k.err("compress_ratios", "is missing");
  const json& a = k.j["compress_ratios"];
  if (!a.is_array()) throw k.err("compress_ratios", "must be an array of integers, got " + a.dump());
  const size_t want = static_cast<size_t>(c.num_layers_total());
  if (a.size() != want)
    throw k.err("compress_ratios", "has " + std::to_string(a.size()) +
                                       " entries; expected num_hidden_layers + num_nextn_predict_layers = " +
                                       std::to_string(c.num_hidden_layers) + " + " +
                                       std::to_string(c.num_nextn_predict_layers) + " = " + std::to_string(want));
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_number_integer() || a[i].get<int>() < 0)
      throw k.err("compress_ratios", "entry " + std::to_string(i) + " is " + a[i].dump() +
                                         "; expected 0 (window only) or a positive compression ratio");
    c.compress_ratios.push_back(a[i].get<int>());
  }
}

void validate(const Keys& k, const ConfigV4& c) {
  for (auto [key, v] : {std::pair{"vocab_size", c.vocab_size}, {"hidden_size", c.hidden_size},
                        {"num_hidden_layers", c.num_hidden_layers}, {"num_attention_heads", c.num_attention_heads},
                        {"head_dim", c.head_dim}, {"qk_rope_head_dim", c.qk_rope_head_dim},
                        {"q_lora_rank", c.q_lora_rank}, {"o_groups", c.o_groups}, {"o_lora_rank", c.o_lora_rank},
                        {"sliding_window", c.sliding_window}, {"index_n_heads", c.index_n_heads},
                        {"index_topk", c.index_topk}, {"n_routed_experts", c.n_routed_experts},
                        {"num_experts_per_tok", c.num_experts_per_tok},
                        {"moe_intermediate_size", c.moe_intermediate_size}, {"hc_mult", c.hc_mult},
                        {"hc_sinkhorn_iters", c.hc_sinkhorn_iters}})
    k.positive(key, v);
  for (auto [key, v] : {std::pair{"rope_theta", c.rope_theta}, {"compress_rope_theta", c.compress_rope_theta},
                        {"routed_scaling_factor", c.routed_scaling_factor}, {"hc_eps", c.hc_eps},
                        {"rms_norm_eps", c.rms_norm_eps}})
    k.positive(key, v);
  if (c.num_nextn_predict_layers < 0) throw k.err("num_nextn_predict_layers", "must be >= 0");
  if (c.swiglu_limit < 0) throw k.err("swiglu_limit", "must be >= 0 (0: no clamp)");
  if (c.qk_rope_head_dim % 2) throw k.err("qk_rope_head_dim", "must be even");
  if (c.qk_rope_head_dim > c.head_dim) throw k.err("qk_rope_head_dim", "exceeds head_dim");
  if (c.num_attention_heads % c.o_groups) throw k.err("o_groups", "must divide num_attention_heads");
  if (!is_pow2(c.index_head_dim) || c.index_head_dim < c.qk_rope_head_dim)
    throw k.err("index_head_dim", "must be a power of two >= qk_rope_head_dim");
  if (c.num_experts_per_tok > c.n_routed_experts) throw k.err("num_experts_per_tok", "exceeds n_routed_experts");
  if (c.num_hash_layers < 0 || c.num_hash_layers > c.num_hidden_layers)
    throw k.err("num_hash_layers", "must be in 0..num_hidden_layers");
  if (c.num_key_value_heads != 1) throw k.err("num_key_value_heads", "must be 1 (one shared key/value)");
  if (c.n_shared_experts != 1) throw k.err("n_shared_experts", "must be 1");
  if (c.scoring_func != "sqrtsoftplus")
    throw k.err("scoring_func", "is '" + c.scoring_func + "'; DeepSeek-V4 uses 'sqrtsoftplus'");
  if (c.expert_dtype != "fp4" && c.expert_dtype != "fp8")
    throw k.err("expert_dtype", "is '" + c.expert_dtype + "'; expected 'fp4' or 'fp8'");
}

}  // namespace

AttnKindV4 ConfigV4::attn_kind(int layer) const {
  const int r = compress_ratio(layer);
  return r == 0 ? AttnKindV4::kWindow : r == 4 ? AttnKindV4::kCsa : AttnKindV4::kHca;
}

double ConfigV4::softmax_scale() const { return 1.0 / std::sqrt(static_cast<double>(head_dim)); }

ConfigV4 ConfigV4::from_file(const std::string& path) { return from_json_text(read_config_text(path), path); }

ConfigV4 ConfigV4::from_json_text(const std::string& text, const std::string& src) {
  const json j = parse_config_object(text, src);
  Keys k{j, src, ""};
  ConfigV4 c;
  c.model_type = k.opt_str("model_type", "");
  if (c.model_type != "deepseek_v4")
    throw k.err("model_type", "is '" + c.model_type + "'; expected 'deepseek_v4' (DeepSeek-V4-Flash, V4-Pro)");
  c.vocab_size = k.req_int("vocab_size");
  c.hidden_size = k.req_int("hidden_size");
  c.num_hidden_layers = k.req_int("num_hidden_layers");
  c.num_nextn_predict_layers = k.opt_int("num_nextn_predict_layers", 0);
  c.num_attention_heads = k.req_int("num_attention_heads");
  c.num_key_value_heads = k.opt_int("num_key_value_heads", 1);
  c.head_dim = k.req_int("head_dim");
  c.qk_rope_head_dim = k.req_int("qk_rope_head_dim");
  c.q_lora_rank = k.req_int("q_lora_rank");
  c.o_groups = k.req_int("o_groups");
  c.o_lora_rank = k.req_int("o_lora_rank");
  c.sliding_window = k.req_int("sliding_window");
  c.index_n_heads = k.req_int("index_n_heads");
  c.index_head_dim = k.req_int("index_head_dim");
  c.index_topk = k.req_int("index_topk");
  c.rope_theta = k.req_num("rope_theta");
  c.compress_rope_theta = k.req_num("compress_rope_theta");
  c.max_position_embeddings = k.opt_int("max_position_embeddings", 0);
  c.num_hash_layers = k.req_int("num_hash_layers");
  c.n_routed_experts = k.req_int("n_routed_experts");
  c.num_experts_per_tok = k.req_int("num_experts_per_tok");
  c.moe_intermediate_size = k.req_int("moe_intermediate_size");
  c.n_shared_experts = k.opt_int("n_shared_experts", 1);
  c.routed_scaling_factor = k.req_num("routed_scaling_factor");
  c.swiglu_limit = k.req_num("swiglu_limit");
  c.scoring_func = k.opt_str("scoring_func", "sqrtsoftplus");
  c.hc_mult = k.req_int("hc_mult");
  c.hc_sinkhorn_iters = k.req_int("hc_sinkhorn_iters");
  c.hc_eps = k.req_num("hc_eps");
  c.rms_norm_eps = k.req_num("rms_norm_eps");
  c.bos_token_id = k.opt_int("bos_token_id", 0);
  c.eos_token_id = k.opt_int("eos_token_id", 1);
  c.tie_word_embeddings = k.opt_bool("tie_word_embeddings", false);
  c.expert_dtype = k.opt_str("expert_dtype", "fp8");
  read_rope_scaling(k, c);
  read_quantization(k, c);
  validate(k, c);
  read_compress_ratios(k, c);
  return c;
}

bool ConfigV4::is_v4_text(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() && j.contains("model_type") && j["model_type"].is_string() && j["model_type"] == "deepseek_v4";
}

}  // namespace dseek
