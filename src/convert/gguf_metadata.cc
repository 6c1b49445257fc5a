#include "convert/gguf_metadata.h"

#include <cmath>
#include <cstdio>

namespace dseek {

GgufValue gguf_u32(uint32_t v) {
  GgufValue x;
  x.type = GgufType::UINT32;
  x.i = v;
  return x;
}
GgufValue gguf_i32(int32_t v) {
  GgufValue x;
  x.type = GgufType::INT32;
  x.i = v;
  return x;
}
GgufValue gguf_u16(uint16_t v) {
  GgufValue x;
  x.type = GgufType::UINT16;
  x.i = v;
  return x;
}
GgufValue gguf_f32(double v) {
  GgufValue x;
  x.type = GgufType::FLOAT32;
  x.f = v;
  return x;
}
GgufValue gguf_bool(bool v) {
  GgufValue x;
  x.type = GgufType::BOOL;
  x.i = v ? 1 : 0;
  return x;
}
GgufValue gguf_string(std::string v) {
  GgufValue x;
  x.type = GgufType::STRING;
  x.s = std::move(v);
  return x;
}
GgufValue gguf_string_array(std::vector<std::string> v) {
  GgufValue x;
  x.type = GgufType::ARRAY;
  x.elem = GgufType::STRING;
  x.strs = std::move(v);
  return x;
}
GgufValue gguf_i32_array(std::vector<int64_t> v) {
  GgufValue x;
  x.type = GgufType::ARRAY;
  x.elem = GgufType::INT32;
  x.ints = std::move(v);
  return x;
}

std::string gguf_size_label_count(uint64_t n) {
  // gguf-py model_weight_count_rounded_notation(n, min_digits=2).
  double scaled;
  const char* suffix;
  const double d = static_cast<double>(n);
  if (d > 1e12) scaled = d * 1e-12, suffix = "T";
  else if (d > 1e9) scaled = d * 1e-9, suffix = "B";
  else if (d > 1e6) scaled = d * 1e-6, suffix = "M";
  else scaled = d * 1e-3, suffix = "K";
  // Digits of round(scaled) without leading zeros (Python's round: half to even).
  std::string whole = std::to_string(static_cast<long long>(std::nearbyint(scaled)));
  if (whole == "0") whole.clear();
  const int fix = std::max(2 - static_cast<int>(whole.size()), 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f%s", fix, scaled, suffix);
  return buf;
}

namespace {

std::string size_label(const GgufLayout& L) {
  // gguf-py GGUFWriter.get_total_parameter_count + size_label: "_exps." tensors count one
  // expert's share; the label is EXPERTS x (shared + expert params) for MoE models.
  uint64_t shared = 0, expert = 0, expert_sum = 0, n_expert_tensors = 0;
  for (const auto& t : L.tensors) {
    const uint64_t size = static_cast<uint64_t>(t.numel());
    if (t.name.find("_exps.") != std::string::npos) {
      const uint64_t e = static_cast<uint64_t>(t.shape[t.shape.size() - 3]);
      expert += size / e;
      expert_sum += e;
      ++n_expert_tensors;
    } else {
      shared += size;
    }
  }
  if (n_expert_tensors == 0) return gguf_size_label_count(shared);
  return std::to_string(expert_sum / n_expert_tensors) + "x" + gguf_size_label_count(shared + expert);
}

}  // namespace

std::vector<GgufKv> gguf_model_metadata(const ModelConfig& c, const GgufLayout& L, const std::string& name) {
  const std::string a = L.arch + ".";
  std::vector<GgufKv> kv;
  auto u32 = [&](const std::string& k, int64_t v) { kv.emplace_back(a + k, gguf_u32(static_cast<uint32_t>(v))); };
  auto f32 = [&](const std::string& k, double v) { kv.emplace_back(a + k, gguf_f32(v)); };
  kv.emplace_back("general.architecture", gguf_string(L.arch));
  kv.emplace_back("general.type", gguf_string("model"));
  kv.emplace_back("general.name", gguf_string(name));
  kv.emplace_back("general.size_label", gguf_string(size_label(L)));
  u32("block_count", L.block_count);
  u32("context_length", c.max_position_embeddings);
  u32("embedding_length", c.hidden_size);
  u32("feed_forward_length", c.intermediate_size);
  u32("attention.head_count", c.num_attention_heads);
  u32("attention.head_count_kv", 1);  // MLA is stored as MQA with wide heads
  if (c.rope_factor > 0) {
    kv.emplace_back(a + "rope.scaling.type", gguf_string("yarn"));
    f32("rope.scaling.factor", c.rope_factor);
    u32("rope.scaling.original_context_length", c.rope_original_max_position);
    f32("rope.scaling.yarn_beta_fast", c.rope_beta_fast);
    f32("rope.scaling.yarn_beta_slow", c.rope_beta_slow);
  }
  f32("rope.freq_base", c.rope_theta);
  f32("attention.layer_norm_rms_epsilon", c.rms_norm_eps);
  if (c.n_routed_experts > 0) {
    u32("expert_count", c.n_routed_experts);
    u32("expert_used_count", c.num_experts_per_tok);
    u32("expert_group_count", c.n_group);
    u32("expert_group_used_count", c.topk_group);
    u32("expert_gating_func", c.scoring_func == "sigmoid" ? 2 : 1);
  }
  u32("leading_dense_block_count", c.first_k_dense_replace);
  u32("vocab_size", c.vocab_size);
  u32("attention.q_lora_rank", c.q_lora_rank);
  u32("attention.kv_lora_rank", c.kv_lora_rank);
  u32("attention.key_length", c.kv_lora_rank + c.qk_rope_head_dim);
  u32("attention.value_length", c.kv_lora_rank);
  u32("attention.key_length_mla", c.qk_head_dim());
  u32("attention.value_length_mla", c.v_head_dim);
  u32("expert_feed_forward_length", c.moe_intermediate_size);
  u32("expert_shared_count", c.n_shared_experts);
  f32("expert_weights_scale", c.routed_scaling_factor);
  if (c.norm_topk_prob) kv.emplace_back(a + "expert_weights_norm", gguf_bool(true));
  u32("rope.dimension_count", c.qk_rope_head_dim);
  if (c.rope_factor > 0 && c.rope_mscale_all_dim > 0) f32("rope.scaling.yarn_log_multiplier", 0.1 * c.rope_mscale_all_dim);
  if (L.arch == "deepseek32") {
    u32("nextn_predict_layers", c.num_nextn_predict_layers);
    u32("attention.indexer.head_count", c.index_n_heads);
    u32("attention.indexer.key_length", c.index_head_dim);
    u32("attention.indexer.top_k", c.index_topk);
  }
  return kv;
}

std::vector<GgufKv> gguf_quantization_metadata(FileType ft) {
  return {{"general.quantization_version", gguf_u32(2)},
          {"general.file_type", gguf_u32(static_cast<uint32_t>(ft))}};
}

}  // namespace dseek
