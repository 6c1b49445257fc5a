#include "model/tensor_specs.h"

namespace dseek {

size_t TensorSpec::bytes() const {
  if (shape.empty()) return dtype_row_bytes(dtype, 1);
  size_t n = dtype_row_bytes(dtype, shape.back());
  for (size_t i = 0; i + 1 < shape.size(); ++i) n *= static_cast<size_t>(shape[i]);
  return n;
}

namespace {

struct Builder {
  std::vector<TensorSpec> out;
  int layer = -1;
  void fp8(const std::string& name, int64_t rows, int64_t cols) {
    out.push_back({name + ".weight", DType::F8_E4M3, {rows, cols}, TensorRole::Weight, layer});
    out.push_back({name + ".weight_scale_inv", DType::F32, {(rows + 127) / 128, (cols + 127) / 128}, TensorRole::Scale, layer});
  }
  void bf16(const std::string& name, std::vector<int64_t> shape, TensorRole role = TensorRole::Weight) {
    out.push_back({name, DType::BF16, std::move(shape), role, layer});
  }
  void mlp(const std::string& p, int64_t hidden, int64_t inter) {
    fp8(p + "gate_proj", inter, hidden);
    fp8(p + "up_proj", inter, hidden);
    fp8(p + "down_proj", hidden, inter);
  }
  void block(const ModelConfig& c, int i, bool mtp) {
    layer = i;
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const int64_t D = c.hidden_size, H = c.num_attention_heads;
    if (mtp) {
      bf16(p + "embed_tokens.weight", {c.vocab_size, D}, TensorRole::Embedding);
      bf16(p + "enorm.weight", {D}, TensorRole::Norm);
      bf16(p + "hnorm.weight", {D}, TensorRole::Norm);
      bf16(p + "eh_proj.weight", {D, 2 * D});
      bf16(p + "shared_head.norm.weight", {D}, TensorRole::Norm);
      bf16(p + "shared_head.head.weight", {c.vocab_size, D});
    }
    bf16(p + "input_layernorm.weight", {D}, TensorRole::Norm);
    bf16(p + "post_attention_layernorm.weight", {D}, TensorRole::Norm);
    const std::string a = p + "self_attn.";
    fp8(a + "q_a_proj", c.q_lora_rank, D);
    bf16(a + "q_a_layernorm.weight", {c.q_lora_rank}, TensorRole::Norm);
    fp8(a + "q_b_proj", H * c.qk_head_dim(), c.q_lora_rank);
    fp8(a + "kv_a_proj_with_mqa", c.kv_lora_rank + c.qk_rope_head_dim, D);
    bf16(a + "kv_a_layernorm.weight", {c.kv_lora_rank}, TensorRole::Norm);
    fp8(a + "kv_b_proj", H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank);
    fp8(a + "o_proj", D, H * c.v_head_dim);
    if (c.has_indexer) {
      fp8(a + "indexer.wq_b", int64_t(c.index_n_heads) * c.index_head_dim, c.q_lora_rank);
      fp8(a + "indexer.wk", c.index_head_dim, D);
      bf16(a + "indexer.k_norm.weight", {c.index_head_dim}, TensorRole::Norm);
      bf16(a + "indexer.k_norm.bias", {c.index_head_dim}, TensorRole::Bias);
      bf16(a + "indexer.weights_proj.weight", {c.index_n_heads, D});
    }
    if (c.is_moe_layer(i)) {
      bf16(p + "mlp.gate.weight", {c.n_routed_experts, D});
      out.push_back({p + "mlp.gate.e_score_correction_bias", DType::F32, {c.n_routed_experts}, TensorRole::Bias, layer});
      for (int e = 0; e < c.n_routed_experts; ++e) mlp(p + "mlp.experts." + std::to_string(e) + ".", D, c.moe_intermediate_size);
      if (c.n_shared_experts > 0) mlp(p + "mlp.shared_experts.", D, int64_t(c.n_shared_experts) * c.moe_intermediate_size);
    } else {
      mlp(p + "mlp.", D, c.intermediate_size);
    }
    layer = -1;
  }
};

}  // namespace

std::vector<TensorSpec> retype_weights(const std::vector<TensorSpec>& specs,
                                      const std::function<DType(const TensorSpec&)>& type_of) {
  std::vector<TensorSpec> out;
  std::string dropped_scale;
  for (const TensorSpec& s : specs) {
    if (s.role == TensorRole::Scale && s.name == dropped_scale) continue;
    TensorSpec t = s;
    if (s.role == TensorRole::Weight && s.shape.size() == 2) {
      const DType d = type_of(s);
      if (d != s.dtype && is_block_quant(d) && s.shape[1] % dtype_block_elems(d) == 0) {
        t.dtype = d;
        if (s.dtype == DType::F8_E4M3) dropped_scale = s.name.substr(0, s.name.size() - 6) + "weight_scale_inv";
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<TensorSpec> checkpoint_tensors(const ModelConfig& c) {
  Builder b;
  b.bf16("model.embed_tokens.weight", {c.vocab_size, c.hidden_size}, TensorRole::Embedding);
  for (int i = 0; i < c.num_hidden_layers; ++i) b.block(c, i, false);
  for (int i = 0; i < c.num_nextn_predict_layers; ++i) b.block(c, c.num_hidden_layers + i, true);
  b.bf16("model.norm.weight", {c.hidden_size}, TensorRole::Norm);
  b.bf16("lm_head.weight", {c.vocab_size, c.hidden_size});
  return b.out;
}

}  // namespace dseek
