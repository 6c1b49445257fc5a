#include "convert/gguf_layout.h"

#include <algorithm>
#include <cstdio>

#include "runtime/error.h"

namespace dseek {

const char* tensor_class_name(TensorClass c) {
  switch (c) {
    case TensorClass::Attention: return "attention";
    case TensorClass::Indexer: return "indexer";
    case TensorClass::DenseFfn: return "dense FFN";
    case TensorClass::RoutedExperts: return "routed experts";
    case TensorClass::SharedExperts: return "shared experts";
    case TensorClass::Embedding: return "embedding";
    case TensorClass::Output: return "output";
    case TensorClass::Mtp: return "MTP eh_proj";
    case TensorClass::NormsRouter: return "norms/router";
  }
  return "?";
}

int64_t GgufTensorPlan::rows() const {
  int64_t r = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) r *= shape[i];
  return r;
}

size_t GgufTensorPlan::bytes() const { return dtype_row_bytes(type, cols()) * static_cast<size_t>(rows()); }

namespace {

int block_of(const std::string& name) {
  int b = -1;
  return std::sscanf(name.c_str(), "blk.%d.", &b) == 1 ? b : -1;
}

// Collects one block's tensors; F32-kept tensors and quantised ones alike.
struct Builder {
  std::vector<GgufTensorPlan>& out;
  int block;
  std::string gg, hf;  // "blk.N." and "model.layers.N."

  void add(const std::string& name, std::vector<int64_t> shape, TensorClass cls, const std::string& src,
           SourceKind kind = SourceKind::Plain) {
    GgufTensorPlan t;
    t.name = gg + name;
    t.shape = std::move(shape);
    t.kind = kind;
    t.sources = {hf + src};
    t.cls = cls;
    t.block = block;
    out.push_back(std::move(t));
  }
};

void add_block(const ModelConfig& c, int i, bool mtp, std::vector<GgufTensorPlan>& out) {
  const int64_t D = c.hidden_size, H = c.num_attention_heads, nope = c.qk_nope_head_dim, v = c.v_head_dim;
  const int64_t kvl = c.kv_lora_rank, ql = c.q_lora_rank;
  Builder b{out, i, "blk." + std::to_string(i) + ".", "model.layers." + std::to_string(i) + "."};
  using TC = TensorClass;
  b.add("attn_norm.weight", {D}, TC::NormsRouter, "input_layernorm.weight");
  b.add("ffn_norm.weight", {D}, TC::NormsRouter, "post_attention_layernorm.weight");
  b.add("attn_q_a.weight", {ql, D}, TC::Attention, "self_attn.q_a_proj.weight");
  b.add("attn_q_a_norm.weight", {ql}, TC::NormsRouter, "self_attn.q_a_layernorm.weight");
  b.add("attn_q_b.weight", {H * c.qk_head_dim(), ql}, TC::Attention, "self_attn.q_b_proj.weight");
  b.add("attn_kv_a_mqa.weight", {kvl + c.qk_rope_head_dim, D}, TC::Attention, "self_attn.kv_a_proj_with_mqa.weight");
  b.add("attn_kv_a_norm.weight", {kvl}, TC::NormsRouter, "self_attn.kv_a_layernorm.weight");
  b.add("attn_k_b.weight", {H, kvl, nope}, TC::Attention, "self_attn.kv_b_proj.weight", SourceKind::KvbK);
  b.add("attn_v_b.weight", {H, v, kvl}, TC::Attention, "self_attn.kv_b_proj.weight", SourceKind::KvbV);
  b.add("attn_output.weight", {D, H * v}, TC::Attention, "self_attn.o_proj.weight");
  if (c.has_indexer) {
    const int64_t idim = c.index_head_dim;
    b.add("indexer.attn_q_b.weight", {int64_t(c.index_n_heads) * idim, ql}, TC::Indexer, "self_attn.indexer.wq_b.weight");
    b.add("indexer.attn_k.weight", {idim, D}, TC::Indexer, "self_attn.indexer.wk.weight");
    b.add("indexer.k_norm.weight", {idim}, TC::NormsRouter, "self_attn.indexer.k_norm.weight");
    b.add("indexer.k_norm.bias", {idim}, TC::NormsRouter, "self_attn.indexer.k_norm.bias");
    b.add("indexer.proj.weight", {c.index_n_heads, D}, TC::Indexer, "self_attn.indexer.weights_proj.weight");
  }
  if (c.is_moe_layer(i)) {
    const int64_t E = c.n_routed_experts, I = c.moe_intermediate_size;
    b.add("ffn_gate_inp.weight", {E, D}, TC::NormsRouter, "mlp.gate.weight");
    if (c.topk_method == "noaux_tc") b.add("exp_probs_b.bias", {E}, TC::NormsRouter, "mlp.gate.e_score_correction_bias");
    const char* proj[3] = {"gate", "up", "down"};
    for (const char* p : proj) {
      const bool down = std::string(p) == "down";
      GgufTensorPlan t;
      t.name = b.gg + "ffn_" + p + "_exps.weight";
      t.shape = down ? std::vector<int64_t>{E, D, I} : std::vector<int64_t>{E, I, D};
      t.kind = SourceKind::ExpertStack;
      for (int64_t e = 0; e < E; ++e) t.sources.push_back(b.hf + "mlp.experts." + std::to_string(e) + "." + p + "_proj.weight");
      t.cls = TC::RoutedExperts;
      t.block = i;
      out.push_back(std::move(t));
    }
    if (c.n_shared_experts > 0) {
      const int64_t S = int64_t(c.n_shared_experts) * I;
      b.add("ffn_gate_shexp.weight", {S, D}, TC::SharedExperts, "mlp.shared_experts.gate_proj.weight");
      b.add("ffn_up_shexp.weight", {S, D}, TC::SharedExperts, "mlp.shared_experts.up_proj.weight");
      b.add("ffn_down_shexp.weight", {D, S}, TC::SharedExperts, "mlp.shared_experts.down_proj.weight");
    }
  } else {
    const int64_t I = c.intermediate_size;
    b.add("ffn_gate.weight", {I, D}, TC::DenseFfn, "mlp.gate_proj.weight");
    b.add("ffn_up.weight", {I, D}, TC::DenseFfn, "mlp.up_proj.weight");
    b.add("ffn_down.weight", {D, I}, TC::DenseFfn, "mlp.down_proj.weight");
  }
  if (mtp) {
    b.add("nextn.eh_proj.weight", {D, 2 * D}, TC::Mtp, "eh_proj.weight");
    b.add("nextn.enorm.weight", {D}, TC::NormsRouter, "enorm.weight");
    b.add("nextn.hnorm.weight", {D}, TC::NormsRouter, "hnorm.weight");
    b.add("nextn.shared_head_norm.weight", {D}, TC::NormsRouter, "shared_head.norm.weight");
  }
}

}  // namespace

bool gguf_tensor_order_less(const std::string& a, const std::string& b) {
  const int la = block_of(a), lb = block_of(b);
  if (la != lb) return la < lb;
  return a < b;
}

GgufLayout gguf_layout(const ModelConfig& c) {
  GgufLayout L;
  if (c.model_type == "deepseek_v32") {
    L.arch = "deepseek32";
    L.block_count = c.num_hidden_layers + c.num_nextn_predict_layers;
  } else if (c.model_type == "deepseek_v3") {
    L.arch = "deepseek2";
    L.block_count = c.num_hidden_layers;
  } else {
    throw Error("model_type '" + c.model_type + "' has no GGUF mapping (expected deepseek_v32 or deepseek_v3)");
  }
  if (c.q_lora_rank <= 0) throw Error("config: q_lora_rank must be > 0 (the GGUF mapping covers the q-LoRA attention of DeepSeek-V3)");
  const int64_t V = c.vocab_size, D = c.hidden_size;
  auto top = [&](const std::string& name, std::vector<int64_t> shape, TensorClass cls, const std::string& src) {
    GgufTensorPlan t;
    t.name = name;
    t.shape = std::move(shape);
    t.sources = {src};
    t.cls = cls;
    L.tensors.push_back(std::move(t));
  };
  top("token_embd.weight", {V, D}, TensorClass::Embedding, "model.embed_tokens.weight");
  top("output_norm.weight", {D}, TensorClass::NormsRouter, "model.norm.weight");
  // Tied embeddings: llama.cpp's converter drops lm_head and the loader reuses token_embd.
  if (!c.tie_word_embeddings) top("output.weight", {V, D}, TensorClass::Output, "lm_head.weight");
  for (int i = 0; i < L.block_count; ++i) add_block(c, i, i >= c.num_hidden_layers, L.tensors);
  std::stable_sort(L.tensors.begin(), L.tensors.end(),
                   [](const GgufTensorPlan& a, const GgufTensorPlan& b) { return gguf_tensor_order_less(a.name, b.name); });
  return L;
}

}  // namespace dseek
