#include "weights/gguf_model.h"

#include <charconv>
#include <climits>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace dseek {

namespace {

// GGUF tensor names (after "blk.N.") and the HF names (after "model.layers.N.") they hold.
struct NamePair {
  const char* gguf;
  const char* hf;
};
constexpr NamePair kTopLevel[] = {
    {"token_embd.weight", "model.embed_tokens.weight"},
    {"output.weight", "lm_head.weight"},
    {"output_norm.weight", "model.norm.weight"},
};
constexpr NamePair kLayer[] = {
    {"attn_norm.weight", "input_layernorm.weight"},
    {"ffn_norm.weight", "post_attention_layernorm.weight"},
    {"attn_q.weight", "self_attn.q_proj.weight"},  // models without a q LoRA
    {"attn_q_a.weight", "self_attn.q_a_proj.weight"},
    {"attn_q_a_norm.weight", "self_attn.q_a_layernorm.weight"},
    {"attn_q_b.weight", "self_attn.q_b_proj.weight"},
    {"attn_kv_a_mqa.weight", "self_attn.kv_a_proj_with_mqa.weight"},
    {"attn_kv_a_norm.weight", "self_attn.kv_a_layernorm.weight"},
    {"attn_kv_b.weight", "self_attn.kv_b_proj.weight"},  // older conversions
    {"attn_k_b.weight", "self_attn.k_b_proj.weight"},    // [H, kv_lora, nope]
    {"attn_v_b.weight", "self_attn.v_b_proj.weight"},    // [H, v, kv_lora]
    {"attn_output.weight", "self_attn.o_proj.weight"},
    {"indexer.attn_q_b.weight", "self_attn.indexer.wq_b.weight"},
    {"indexer.attn_k.weight", "self_attn.indexer.wk.weight"},
    {"indexer.k_norm.weight", "self_attn.indexer.k_norm.weight"},
    {"indexer.k_norm.bias", "self_attn.indexer.k_norm.bias"},
    {"indexer.proj.weight", "self_attn.indexer.weights_proj.weight"},
    {"ffn_gate.weight", "mlp.gate_proj.weight"},
    {"ffn_up.weight", "mlp.up_proj.weight"},
    {"ffn_down.weight", "mlp.down_proj.weight"},
    {"ffn_gate_inp.weight", "mlp.gate.weight"},
    {"exp_probs_b.bias", "mlp.gate.e_score_correction_bias"},
    {"ffn_gate_shexp.weight", "mlp.shared_experts.gate_proj.weight"},
    {"ffn_up_shexp.weight", "mlp.shared_experts.up_proj.weight"},
    {"ffn_down_shexp.weight", "mlp.shared_experts.down_proj.weight"},
    {"nextn.eh_proj.weight", "eh_proj.weight"},
    {"nextn.enorm.weight", "enorm.weight"},
    {"nextn.hnorm.weight", "hnorm.weight"},
    {"nextn.shared_head_norm.weight", "shared_head.norm.weight"},
    {"nextn.embed_tokens.weight", "embed_tokens.weight"},
    {"nextn.shared_head_head.weight", "shared_head.head.weight"},
};
// Stacked routed experts: GGUF [E, out, in] -> HF mlp.experts.e.<proj> [out, in].
constexpr NamePair kExperts[] = {
    {"ffn_gate_exps.weight", "gate_proj.weight"},
    {"ffn_up_exps.weight", "up_proj.weight"},
    {"ffn_down_exps.weight", "down_proj.weight"},
};

// "PREFIX<N>.REST" with N a decimal number: N and REST; false otherwise.
bool split_index(const std::string& s, const std::string& prefix, int* n, std::string* rest) {
  if (s.compare(0, prefix.size(), prefix) != 0) return false;
  const char* b = s.data() + prefix.size();
  const char* e = s.data() + s.size();
  auto r = std::from_chars(b, e, *n);
  if (r.ec != std::errc() || r.ptr == b || r.ptr == e || *r.ptr != '.' || *n < 0) return false;
  *rest = std::string(r.ptr + 1, e);
  return true;
}

const NamePair* find_pair(const NamePair* b, const NamePair* e, const std::string& s, bool by_gguf) {
  for (const NamePair* p = b; p != e; ++p)
    if (s == (by_gguf ? p->gguf : p->hf)) return p;
  return nullptr;
}
template <size_t N>
const NamePair* find_pair(const NamePair (&t)[N], const std::string& s, bool by_gguf) {
  return find_pair(t, t + N, s, by_gguf);
}

}  // namespace

std::string gguf_to_hf_name(const std::string& g, int expert) {
  if (const NamePair* p = find_pair(kTopLevel, g, true)) return p->hf;
  int n;
  std::string rest;
  if (!split_index(g, "blk.", &n, &rest)) return "";
  const std::string layer = "model.layers." + std::to_string(n) + ".";
  if (const NamePair* p = find_pair(kLayer, rest, true)) return layer + p->hf;
  if (const NamePair* p = find_pair(kExperts, rest, true); p && expert >= 0)
    return layer + "mlp.experts." + std::to_string(expert) + "." + p->hf;
  return "";
}

std::string hf_to_gguf_name(const std::string& h, int* expert) {
  if (expert) *expert = -1;
  if (const NamePair* p = find_pair(kTopLevel, h, false)) return p->gguf;
  int n, e;
  std::string rest, proj;
  if (!split_index(h, "model.layers.", &n, &rest)) return "";
  const std::string blk = "blk." + std::to_string(n) + ".";
  if (const NamePair* p = find_pair(kLayer, rest, false)) return blk + p->gguf;
  if (split_index(rest, "mlp.experts.", &e, &proj))
    if (const NamePair* p = find_pair(kExperts, proj, false)) {
      if (expert) *expert = e;
      return blk + p->gguf;
    }
  return "";
}

std::vector<GgufMappedTensor> gguf_to_hf(const TensorView& t) {
  int n;
  std::string rest;
  const NamePair* stacked = split_index(t.name, "blk.", &n, &rest) ? find_pair(kExperts, rest, true) : nullptr;
  if (!stacked) {
    std::string hf = gguf_to_hf_name(t.name);
    if (hf.empty()) return {};
    return {{hf, t}};
  }
  if (t.shape.size() != 3)
    throw Error((t.file ? *t.file : std::string("?")) + ": tensor '" + t.name + "' has shape " + t.shape_str() +
                "; stacked experts must be 3-D [experts, out, in]");
  std::vector<GgufMappedTensor> out;
  const size_t slice = static_cast<size_t>(t.shape[1]) * dtype_row_bytes(t.dtype, t.shape[2]);
  for (int64_t e = 0; e < t.shape[0]; ++e) {
    TensorView v;
    v.name = t.name + "[" + std::to_string(e) + "]";
    v.dtype = t.dtype;
    v.shape = {t.shape[1], t.shape[2]};
    v.data = t.data + e * slice;
    v.nbytes = slice;
    v.file = t.file;
    out.push_back({gguf_to_hf_name(t.name, static_cast<int>(e)), std::move(v)});
  }
  return out;
}

bool parse_gguf_split_path(const std::string& path, std::string* prefix, int* no, int* count) {
  // "-00001-of-00002.gguf" is 20 characters.
  constexpr size_t kTail = 20;
  if (path.size() <= kTail) return false;
  const std::string tail = path.substr(path.size() - kTail);
  if (tail[0] != '-' || tail.compare(6, 4, "-of-") != 0 || tail.compare(15, 5, ".gguf") != 0) return false;
  for (size_t i : {1, 2, 3, 4, 5, 10, 11, 12, 13, 14})
    if (tail[i] < '0' || tail[i] > '9') return false;
  *no = std::stoi(tail.substr(1, 5));
  *count = std::stoi(tail.substr(10, 5));
  *prefix = path.substr(0, path.size() - kTail);
  return true;
}

std::string gguf_split_path(const std::string& prefix, int no, int count) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "-%05d-of-%05d.gguf", no, count);  // llama-gguf-split's naming
  return prefix + buf;
}

ModelConfig gguf_model_config(const GgufFile& f) {
  using nlohmann::json;
  const std::string& path = f.path();
  if (f.get_string("general.type", "model") == "imatrix")
    throw Error(path + ": an importance-matrix file (general.type = imatrix), not a model");
  const std::string arch = f.get_string("general.architecture");
  std::string model_type;
  if (arch == "deepseek32") {
    model_type = "deepseek_v32";
  } else if (arch == "deepseek2") {
    model_type = "deepseek_v3";
  } else {
    throw Error(path + ": metadata key 'general.architecture' is '" + arch +
                "'; dseek runs 'deepseek32' (DeepSeek-V3.2) and 'deepseek2' (DeepSeek-V3 / V3.1) GGUFs");
  }
  const std::string a = arch + ".";
  // Which keys may be absent. A key is optional only where llama.cpp's converter (and
  // `dseek quantize`, which writes the same keys) leaves it out on purpose, so that its absence
  // means one value: nextn_predict_layers under deepseek2 (that converter drops the MTP block
  // and never writes it: 0), the expert keys of a model without expert_count (dense),
  // expert_weights_norm (written only when true), expert_gating_func under deepseek2 (files
  // from before DeepSeek-V3 support: softmax, as llama.cpp reads them), the rope.scaling keys
  // without rope.scaling.type, yarn_beta_fast / _slow (llama.cpp's own defaults, 32 / 1,
  // predate the keys), yarn_log_multiplier (0), the tokenizer's BOS / EOS ids and vocab_size
  // (the length of tokenizer.ggml.tokens). Every other key the model reads is required: a
  // default would silently change the model's output (expert_weights_scale multiplies every
  // routed expert, nextn_predict_layers decides whether the last block runs as a layer or as
  // the MTP block), so a file without it is refused with the key's name and its config.json
  // counterpart.
  auto check_range = [&](const std::string& key, int64_t v) {
    if (v < INT_MIN || v > INT_MAX) throw Error(path + ": metadata key '" + key + "' = " + std::to_string(v) + " is out of range");
    return v;
  };
  auto need = [&](const std::string& k, const char* hf) {
    if (!f.find_kv(a + k))
      throw Error(path + ": missing metadata key '" + a + k + "' (" + hf +
                  " in the model's config.json); dseek does not assume a value for it, because a wrong one would "
                  "change the model's output");
  };
  // Integers narrowed to int with a range check (ModelConfig holds ints).
  auto req = [&](const std::string& k, const char* hf) {
    need(k, hf);
    return check_range(a + k, f.get_int(a + k));
  };
  auto opt = [&](const std::string& k, int64_t fb) { return check_range(a + k, f.get_int(a + k, fb)); };
  // A FLOAT32 value as the shortest decimal that rounds to it: the converter's source value.
  auto number = [&](const std::string& key, double fallback) -> double {
    double v = f.get_float(key, fallback);
    const GgufValue* kv = f.find_kv(key);
    if (!kv || kv->type != GgufType::FLOAT32) return v;
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<float>(v));
    double d = v;
    std::from_chars(buf, r.ptr, d);
    return d;
  };
  auto req_number = [&](const std::string& k, const char* hf) {
    need(k, hf);
    return number(a + k, 0.0);
  };

  json j;
  j["model_type"] = model_type;
  if (f.find_kv(a + "vocab_size")) {
    j["vocab_size"] = req("vocab_size", "vocab_size");
  } else if (f.find_kv("tokenizer.ggml.tokens")) {
    j["vocab_size"] = f.get_string_array("tokenizer.ggml.tokens").size();
  } else {
    throw Error(path + ": missing metadata key '" + a + "vocab_size' (and no tokenizer.ggml.tokens)");
  }
  const int64_t blocks = req("block_count", "num_hidden_layers + num_nextn_predict_layers");
  const int64_t nextn = arch == "deepseek32" ? req("nextn_predict_layers", "num_nextn_predict_layers")
                                             : opt("nextn_predict_layers", 0);
  if (nextn < 0 || nextn >= blocks)
    throw Error(path + ": metadata key '" + a + "nextn_predict_layers' = " + std::to_string(nextn) +
                " leaves no main layers of block_count " + std::to_string(blocks));
  j["num_hidden_layers"] = blocks - nextn;
  j["num_nextn_predict_layers"] = nextn;
  j["hidden_size"] = req("embedding_length", "hidden_size");
  j["intermediate_size"] = req("feed_forward_length", "intermediate_size");
  j["moe_layer_freq"] = 1;
  j["num_attention_heads"] = req("attention.head_count", "num_attention_heads");
  const int64_t experts = opt("expert_count", 0);  // absent: a dense model (the converter writes none of the expert keys)
  j["n_routed_experts"] = experts;
  if (experts > 0) {
    j["first_k_dense_replace"] = req("leading_dense_block_count", "first_k_dense_replace");
    j["moe_intermediate_size"] = req("expert_feed_forward_length", "moe_intermediate_size");
    j["n_shared_experts"] = req("expert_shared_count", "n_shared_experts");
    j["num_experts_per_tok"] = req("expert_used_count", "num_experts_per_tok");
    j["n_group"] = req("expert_group_count", "n_group");
    j["topk_group"] = req("expert_group_used_count", "topk_group");
    j["routed_scaling_factor"] = req_number("expert_weights_scale", "routed_scaling_factor");
  } else {
    j["first_k_dense_replace"] = opt("leading_dense_block_count", 0);
  }
  j["norm_topk_prob"] = f.get_bool(a + "expert_weights_norm", false);  // written only when true
  int64_t gating = 1;  // softmax: no experts, or a deepseek2 file from before V3 support
  if (experts > 0 && arch == "deepseek32")
    gating = req("expert_gating_func", "scoring_func: 1 softmax, 2 sigmoid");
  else
    gating = opt("expert_gating_func", 1);
  if (gating != 1 && gating != 2)
    throw Error(path + ": metadata key '" + a + "expert_gating_func' = " + std::to_string(gating) +
                "; expected 1 (softmax) or 2 (sigmoid)");
  j["scoring_func"] = gating == 2 ? "sigmoid" : "softmax";
  j["topk_method"] = "noaux_tc";
  j["q_lora_rank"] = req("attention.q_lora_rank", "q_lora_rank");
  j["kv_lora_rank"] = req("attention.kv_lora_rank", "kv_lora_rank");
  const int64_t rope = req("rope.dimension_count", "qk_rope_head_dim");
  // Since llama.cpp's MLA rework key_length/value_length describe the latent (kv_lora + rope,
  // kv_lora) and the *_mla keys the per-head dims; older files have only the per-head ones.
  const bool mla = f.find_kv(a + "attention.key_length_mla") != nullptr;
  const int64_t key_len = mla ? req("attention.key_length_mla", "qk_nope_head_dim + qk_rope_head_dim")
                              : req("attention.key_length", "qk_nope_head_dim + qk_rope_head_dim");
  if (key_len <= rope)
    throw Error(path + ": metadata key '" + a + (mla ? "attention.key_length_mla" : "attention.key_length") + "' = " +
                std::to_string(key_len) + " is not above rope.dimension_count " + std::to_string(rope));
  j["qk_rope_head_dim"] = rope;
  j["qk_nope_head_dim"] = key_len - rope;
  j["v_head_dim"] = f.find_kv(a + "attention.value_length_mla") ? req("attention.value_length_mla", "v_head_dim")
                                                                  : req("attention.value_length", "v_head_dim");
  j["rope_theta"] = req_number("rope.freq_base", "rope_theta");
  j["rms_norm_eps"] = req_number("attention.layer_norm_rms_epsilon", "rms_norm_eps");
  j["max_position_embeddings"] = req("context_length", "max_position_embeddings");
  const std::string scaling = f.get_string(a + "rope.scaling.type", "none");
  if (scaling == "yarn") {
    const double mscale_all_dim = number(a + "rope.scaling.yarn_log_multiplier", 0.0) / 0.1;
    j["rope_scaling"] = {
        {"type", "yarn"},
        {"factor", req_number("rope.scaling.factor", "rope_scaling.factor")},
        {"original_max_position_embeddings",
         req("rope.scaling.original_context_length", "rope_scaling.original_max_position_embeddings")},
        {"beta_fast", number(a + "rope.scaling.yarn_beta_fast", 32.0)},
        {"beta_slow", number(a + "rope.scaling.yarn_beta_slow", 1.0)},
        {"mscale", mscale_all_dim},
        {"mscale_all_dim", mscale_all_dim},
    };
  } else if (scaling != "none") {
    throw Error(path + ": metadata key '" + a + "rope.scaling.type' is '" + scaling + "'; only 'yarn' is supported");
  }
  if (model_type == "deepseek_v32") {
    j["index_n_heads"] = req("attention.indexer.head_count", "index_n_heads");
    j["index_head_dim"] = req("attention.indexer.key_length", "index_head_dim");
    j["index_topk"] = req("attention.indexer.top_k", "index_topk");
  }
  j["bos_token_id"] = check_range("tokenizer.ggml.bos_token_id", f.get_int("tokenizer.ggml.bos_token_id", 0));
  j["eos_token_id"] = check_range("tokenizer.ggml.eos_token_id", f.get_int("tokenizer.ggml.eos_token_id", 1));
  j["tie_word_embeddings"] = false;
  try {
    return ModelConfig::from_json_text(j.dump(), path);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (in the config derived from the GGUF metadata)");
  }
}

}  // namespace dseek
