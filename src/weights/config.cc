#include "weights/config.h"

#include <climits>
#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "weights/config_json.h"

namespace dseek {

using nlohmann::json;

namespace {

struct Reader {
  const json& j;
  const std::string& src;
  Error err(const std::string& key, const std::string& why) const {
    return Error(src + ": key '" + key + "' " + why);
  }
  int req_int(const std::string& key) const {
    if (!j.contains(key)) throw err(key, "is missing");
    return to_int(key);
  }
  int opt_int(const std::string& key, int def) const {
    if (!j.contains(key) || j[key].is_null()) return def;
    return to_int(key);
  }
  // An int, never a wrapped one (get<int> of 2^32 + 5 would give 5).
  int to_int(const std::string& key) const {
    const json& v = j[key];
    if (!v.is_number_integer()) throw err(key, "must be an integer, got " + v.dump());
    if (v.is_number_unsigned() ? v.get<uint64_t>() > uint64_t(INT_MAX)
                               : v.get<int64_t>() < INT_MIN || v.get<int64_t>() > INT_MAX)
      throw err(key, "is out of range, got " + v.dump());
    return v.get<int>();
  }
  double opt_num(const json& o, const std::string& key, double def) const {
    if (!o.contains(key) || o[key].is_null()) return def;
    if (!o[key].is_number()) throw err(key, "must be a number, got " + o[key].dump());
    return o[key].get<double>();
  }
  std::string opt_str(const std::string& key, const std::string& def) const {
    if (!j.contains(key) || j[key].is_null()) return def;
    if (!j[key].is_string()) throw err(key, "must be a string, got " + j[key].dump());
    return j[key].get<std::string>();
  }
  bool opt_bool(const std::string& key, bool def) const {
    if (!j.contains(key) || j[key].is_null()) return def;
    if (!j[key].is_boolean()) throw err(key, "must be true or false, got " + j[key].dump());
    return j[key].get<bool>();
  }
};

}  // namespace

ModelConfig ModelConfig::from_file(const std::string& path) { return from_json_text(read_config_text(path), path); }

ModelConfig ModelConfig::from_json_text(const std::string& text, const std::string& src) {
  const json j = parse_config_object(text, src);
  Reader r{j, src};
  ModelConfig c;
  c.model_type = r.opt_str("model_type", "");
  if (c.model_type != "deepseek_v32" && c.model_type != "deepseek_v3")
    throw r.err("model_type", "is '" + c.model_type +
                                  "'; dseek runs 'deepseek_v32' (DeepSeek-V3.2, V3.2-Speciale) and "
                                  "'deepseek_v3' (DeepSeek-V3, V3.1)");
  c.vocab_size = r.req_int("vocab_size");
  c.hidden_size = r.req_int("hidden_size");
  c.intermediate_size = r.req_int("intermediate_size");
  c.num_hidden_layers = r.req_int("num_hidden_layers");
  c.num_attention_heads = r.req_int("num_attention_heads");
  c.q_lora_rank = r.opt_int("q_lora_rank", 0);
  c.kv_lora_rank = r.req_int("kv_lora_rank");
  c.qk_nope_head_dim = r.req_int("qk_nope_head_dim");
  c.qk_rope_head_dim = r.req_int("qk_rope_head_dim");
  c.v_head_dim = r.req_int("v_head_dim");
  c.n_routed_experts = r.opt_int("n_routed_experts", 0);
  c.moe_intermediate_size = r.opt_int("moe_intermediate_size", 0);
  c.first_k_dense_replace = r.opt_int("first_k_dense_replace", 0);
  c.moe_layer_freq = r.opt_int("moe_layer_freq", 1);
  c.n_shared_experts = r.opt_int("n_shared_experts", 0);
  c.num_experts_per_tok = r.opt_int("num_experts_per_tok", 0);
  c.n_group = r.opt_int("n_group", 1);
  c.topk_group = r.opt_int("topk_group", 1);
  c.routed_scaling_factor = r.opt_num(j, "routed_scaling_factor", 1.0);
  c.scoring_func = r.opt_str("scoring_func", "sigmoid");
  c.topk_method = r.opt_str("topk_method", "noaux_tc");
  c.norm_topk_prob = r.opt_bool("norm_topk_prob", true);
  c.rope_theta = r.opt_num(j, "rope_theta", 10000.0);
  c.rms_norm_eps = r.opt_num(j, "rms_norm_eps", 1e-6);
  c.max_position_embeddings = r.opt_int("max_position_embeddings", 4096);
  c.num_nextn_predict_layers = r.opt_int("num_nextn_predict_layers", 0);
  c.bos_token_id = r.opt_int("bos_token_id", 0);
  c.eos_token_id = r.opt_int("eos_token_id", 1);
  c.tie_word_embeddings = r.opt_bool("tie_word_embeddings", false);

  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
    const json& rs = j["rope_scaling"];
    if (!rs.is_object()) throw r.err("rope_scaling", "must be an object");
    std::string type = rs.value("type", rs.value("rope_type", std::string()));
    if (type != "yarn" && type != "deepseek_yarn")
      throw r.err("rope_scaling.type", "is '" + type + "'; only 'yarn' is supported");
    c.rope_factor = r.opt_num(rs, "factor", 1.0);
    const double original_max = r.opt_num(rs, "original_max_position_embeddings", 4096);
    if (!(original_max >= 1 && original_max <= INT_MAX))  // converting it to int is UB otherwise
      throw r.err("rope_scaling.original_max_position_embeddings", "must be in 1..2147483647");
    c.rope_original_max_position = static_cast<int>(original_max);
    c.rope_beta_fast = r.opt_num(rs, "beta_fast", 32.0);
    c.rope_beta_slow = r.opt_num(rs, "beta_slow", 1.0);
    c.rope_mscale = r.opt_num(rs, "mscale", 1.0);
    c.rope_mscale_all_dim = r.opt_num(rs, "mscale_all_dim", 0.0);
  }
  if (c.model_type == "deepseek_v32") {
    c.has_indexer = true;
    c.index_n_heads = r.req_int("index_n_heads");
    c.index_head_dim = r.req_int("index_head_dim");
    c.index_topk = r.req_int("index_topk");
    if (c.index_head_dim < c.qk_rope_head_dim || (c.index_head_dim & (c.index_head_dim - 1)) != 0)
      throw r.err("index_head_dim", "must be a power of two >= qk_rope_head_dim");
    if (c.index_topk < 1) throw r.err("index_topk", "must be >= 1");
  }
  if (j.contains("quantization_config") && j["quantization_config"].is_object()) {
    const json& q = j["quantization_config"];
    c.fp8 = q.value("quant_method", std::string()) == "fp8";
    c.scale_fmt = q.contains("scale_fmt") && q["scale_fmt"].is_string() ? q["scale_fmt"].get<std::string>() : "";
    if (q.contains("weight_block_size")) {
      const json& b = q["weight_block_size"];
      if (!(b.is_array() && b.size() == 2 && b[0] == 128 && b[1] == 128))
        throw r.err("quantization_config.weight_block_size", "must be [128, 128], got " + b.dump());
    }
  }
  if (c.scoring_func != "sigmoid" && c.scoring_func != "softmax")
    throw r.err("scoring_func", "is '" + c.scoring_func + "'; expected 'sigmoid' or 'softmax'");
  auto positive = [&](const char* key, int v) {
    if (v <= 0) throw r.err(key, "must be positive");
  };
  positive("vocab_size", c.vocab_size);
  positive("hidden_size", c.hidden_size);
  positive("num_hidden_layers", c.num_hidden_layers);
  positive("num_attention_heads", c.num_attention_heads);
  positive("kv_lora_rank", c.kv_lora_rank);
  positive("qk_rope_head_dim", c.qk_rope_head_dim);
  if (c.qk_rope_head_dim % 2) throw r.err("qk_rope_head_dim", "must be even");
  if (c.n_routed_experts > 0) {
    positive("num_experts_per_tok", c.num_experts_per_tok);
    positive("moe_intermediate_size", c.moe_intermediate_size);
    if (c.n_group < 1 || c.n_routed_experts % c.n_group)
      throw r.err("n_group", "must divide n_routed_experts");
    if (c.topk_group < 1 || c.topk_group > c.n_group) throw r.err("topk_group", "must be in 1..n_group");
    if (c.num_experts_per_tok > c.n_routed_experts)
      throw r.err("num_experts_per_tok", "exceeds n_routed_experts");
  }
  return c;
}

std::string ModelConfig::to_json() const {
  nlohmann::ordered_json j;
  j["model_type"] = model_type;
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["moe_intermediate_size"] = moe_intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["first_k_dense_replace"] = first_k_dense_replace;
  j["moe_layer_freq"] = moe_layer_freq;
  j["num_attention_heads"] = num_attention_heads;
  j["n_routed_experts"] = n_routed_experts;
  j["n_shared_experts"] = n_shared_experts;
  j["num_experts_per_tok"] = num_experts_per_tok;
  j["n_group"] = n_group;
  j["topk_group"] = topk_group;
  j["routed_scaling_factor"] = routed_scaling_factor;
  j["scoring_func"] = scoring_func;
  j["topk_method"] = topk_method;
  j["norm_topk_prob"] = norm_topk_prob;
  j["q_lora_rank"] = q_lora_rank;
  j["kv_lora_rank"] = kv_lora_rank;
  j["qk_nope_head_dim"] = qk_nope_head_dim;
  j["qk_rope_head_dim"] = qk_rope_head_dim;
  j["v_head_dim"] = v_head_dim;
  j["rope_theta"] = rope_theta;
  j["rms_norm_eps"] = rms_norm_eps;
  j["max_position_embeddings"] = max_position_embeddings;
  if (rope_factor > 0)
    j["rope_scaling"] = {{"type", "yarn"},
                         {"factor", rope_factor},
                         {"original_max_position_embeddings", rope_original_max_position},
                         {"beta_fast", rope_beta_fast},
                         {"beta_slow", rope_beta_slow},
                         {"mscale", rope_mscale},
                         {"mscale_all_dim", rope_mscale_all_dim}};
  else
    j["rope_scaling"] = nullptr;
  j["has_indexer"] = has_indexer;
  j["index_n_heads"] = index_n_heads;
  j["index_head_dim"] = index_head_dim;
  j["index_topk"] = index_topk;
  j["num_nextn_predict_layers"] = num_nextn_predict_layers;
  j["bos_token_id"] = bos_token_id;
  j["eos_token_id"] = eos_token_id;
  j["tie_word_embeddings"] = tie_word_embeddings;
  if (fp8 || !scale_fmt.empty())
    j["quantization_config"] = {{"quant_method", fp8 ? "fp8" : ""}, {"scale_fmt", scale_fmt}};
  else
    j["quantization_config"] = nullptr;
  return j.dump();
}

}  // namespace dseek
