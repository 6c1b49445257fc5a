#include "model/model_weights.h"

#include "kernels/numeric.h"
#include "runtime/error.h"

namespace dseek {

namespace {

class Binder {
 public:
  explicit Binder(const Checkpoint& ck) : ck_(ck) {}
  size_t params = 0;

  const TensorView& get(const std::string& name) const {
    return ck_.get(name);  // a GGUF's message names its file and GGUF tensor name too
  }
  static std::string where(const TensorView& t) { return (t.file ? *t.file : std::string("?")) + ": tensor '" + t.name + "'"; }

  void expect_shape(const TensorView& t, std::vector<int64_t> shape) const {
    if (t.shape != shape) {
      TensorView w;
      w.shape = shape;
      throw Error(where(t) + " has shape " + t.shape_str() + ", expected " + w.shape_str());
    }
  }

  // A linear layer's weight [rows, cols]: F8_E4M3 with F32 weight_scale_inv, BF16/F16/F32, or a
  // ggml block type (GGUF). `shape`: the stored shape when it is not [rows, cols] (GGUF's
  // per-head attn_k_b / attn_v_b are [H, a, b], viewed as [H * a, b]).
  Matrix linear(const std::string& name, int64_t rows, int64_t cols, std::vector<int64_t> shape = {}) {
    const TensorView& t = get(name);
    expect_shape(t, shape.empty() ? std::vector<int64_t>{rows, cols} : shape);
    Matrix m;
    m.name = name;
    m.dtype = t.dtype;
    m.rows = rows;
    m.cols = cols;
    m.data = t.data;
    if (t.dtype == DType::F8_E4M3) {
      std::string sname = name.substr(0, name.size() - 6) + "weight_scale_inv";
      const TensorView& s = get(sname);
      if (s.dtype != DType::F32)
        throw Error(where(s) + " has dtype " + std::string(dtype_name(s.dtype)) + ", expected F32");
      expect_shape(s, {(rows + 127) / 128, (cols + 127) / 128});
      m.scale = reinterpret_cast<const float*>(s.data);
    } else if (t.dtype != DType::BF16 && t.dtype != DType::F32 && t.dtype != DType::F16 && !is_block_quant(t.dtype)) {
      throw Error(where(t) + " has dtype " + std::string(dtype_name(t.dtype)) +
                  ", expected F8_E4M3, BF16, F16, F32 or a ggml block type");
    }
    params += static_cast<size_t>(rows * cols);
    return m;
  }

  // A vector [n] (norm weights, biases): BF16 or F32, converted to fp32.
  std::vector<float> vec(const std::string& name, int64_t n) {
    const TensorView& t = get(name);
    expect_shape(t, {n});
    std::vector<float> v(n);
    if (t.dtype == DType::BF16) {
      for (int64_t i = 0; i < n; ++i) {
        uint16_t b;
        std::memcpy(&b, t.data + 2 * i, 2);
        v[i] = bf16_to_f32(b);
      }
    } else if (t.dtype == DType::F32) {
      std::memcpy(v.data(), t.data, 4 * n);
    } else {
      throw Error(where(t) + " has dtype " + std::string(dtype_name(t.dtype)) + ", expected BF16 or F32");
    }
    params += static_cast<size_t>(n);
    return v;
  }

  MlpWeights mlp(const std::string& p, int64_t hidden, int64_t inter) {
    MlpWeights m;
    m.gate_proj = linear(p + "gate_proj.weight", inter, hidden);
    m.up_proj = linear(p + "up_proj.weight", inter, hidden);
    m.down_proj = linear(p + "down_proj.weight", hidden, inter);
    return m;
  }

  LayerWeights layer(const ModelConfig& c, int i, bool is_mtp) {
    LayerWeights L;
    L.index = i;
    L.mtp = is_mtp;
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const int64_t D = c.hidden_size, H = c.num_attention_heads;
    L.input_layernorm = vec(p + "input_layernorm.weight", D);
    L.post_attention_layernorm = vec(p + "post_attention_layernorm.weight", D);
    const std::string a = p + "self_attn.";
    if (c.q_lora_rank <= 0)
      throw Error(ck_.dir() + ": config.json q_lora_rank must be > 0 (DeepSeek-V3 family uses a q LoRA)");
    L.q_a_proj = linear(a + "q_a_proj.weight", c.q_lora_rank, D);
    L.q_a_layernorm = vec(a + "q_a_layernorm.weight", c.q_lora_rank);
    L.q_b_proj = linear(a + "q_b_proj.weight", H * c.qk_head_dim(), c.q_lora_rank);
    L.kv_a_proj_with_mqa = linear(a + "kv_a_proj_with_mqa.weight", c.kv_lora_rank + c.qk_rope_head_dim, D);
    L.kv_a_layernorm = vec(a + "kv_a_layernorm.weight", c.kv_lora_rank);
    if (!ck_.find(a + "kv_b_proj.weight") && ck_.find(a + "k_b_proj.weight")) {
      L.k_b_proj = linear(a + "k_b_proj.weight", H * c.kv_lora_rank, c.qk_nope_head_dim, {H, c.kv_lora_rank, c.qk_nope_head_dim});
      L.v_b_proj = linear(a + "v_b_proj.weight", H * c.v_head_dim, c.kv_lora_rank, {H, c.v_head_dim, c.kv_lora_rank});
    } else {
      L.kv_b_proj = linear(a + "kv_b_proj.weight", H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank);
    }
    L.o_proj = linear(a + "o_proj.weight", D, H * c.v_head_dim);
    if (c.has_indexer) {
      const std::string x = a + "indexer.";
      L.idx_wq_b = linear(x + "wq_b.weight", int64_t(c.index_n_heads) * c.index_head_dim, c.q_lora_rank);
      L.idx_wk = linear(x + "wk.weight", c.index_head_dim, D);
      L.idx_k_norm_weight = vec(x + "k_norm.weight", c.index_head_dim);
      L.idx_k_norm_bias = vec(x + "k_norm.bias", c.index_head_dim);
      L.idx_weights_proj = linear(x + "weights_proj.weight", c.index_n_heads, D);
    }
    L.moe = c.is_moe_layer(i);
    if (L.moe) {
      L.gate = linear(p + "mlp.gate.weight", c.n_routed_experts, D);
      if (ck_.find(p + "mlp.gate.e_score_correction_bias"))
        L.gate_bias = vec(p + "mlp.gate.e_score_correction_bias", c.n_routed_experts);
      for (int e = 0; e < c.n_routed_experts; ++e)
        L.experts.push_back(mlp(p + "mlp.experts." + std::to_string(e) + ".", D, c.moe_intermediate_size));
      if (c.n_shared_experts > 0) {
        L.has_shared = true;
        L.shared_experts = mlp(p + "mlp.shared_experts.", D, int64_t(c.n_shared_experts) * c.moe_intermediate_size);
      }
    } else {
      L.mlp = mlp(p + "mlp.", D, c.intermediate_size);
    }
    if (is_mtp) {
      // The MTP layer may carry its own copies of the embedding and head (the HF checkpoint
      // does); fall back to the main ones when a converter dropped them.
      L.mtp_embed = ck_.find(p + "embed_tokens.weight") ? linear(p + "embed_tokens.weight", c.vocab_size, D) : Matrix{};
      L.shared_head_head = ck_.find(p + "shared_head.head.weight") ? linear(p + "shared_head.head.weight", c.vocab_size, D) : Matrix{};
      L.enorm = vec(p + "enorm.weight", D);
      L.hnorm = vec(p + "hnorm.weight", D);
      L.eh_proj = linear(p + "eh_proj.weight", D, 2 * D);
      L.shared_head_norm = vec(p + "shared_head.norm.weight", D);
    }
    return L;
  }

 private:
  const Checkpoint& ck_;
};

}  // namespace

ModelWeights ModelWeights::bind(const Checkpoint& ck) {
  const ModelConfig& c = ck.config();
  Binder b(ck);
  ModelWeights w;
  w.embed_tokens = b.linear("model.embed_tokens.weight", c.vocab_size, c.hidden_size);
  w.norm = b.vec("model.norm.weight", c.hidden_size);
  if (c.tie_word_embeddings && !ck.find("lm_head.weight"))
    w.lm_head = w.embed_tokens;
  else
    w.lm_head = b.linear("lm_head.weight", c.vocab_size, c.hidden_size);
  for (int i = 0; i < c.num_hidden_layers; ++i) w.layers.push_back(b.layer(c, i, false));
  w.n_params = b.params;
  for (int i = 0; i < c.num_nextn_predict_layers; ++i) {
    LayerWeights L = b.layer(c, c.num_hidden_layers + i, true);
    if (!L.mtp_embed.data) L.mtp_embed = w.embed_tokens;
    if (!L.shared_head_head.data) L.shared_head_head = w.lm_head;
    w.mtp.push_back(std::move(L));
  }
  w.n_params_mtp = b.params - w.n_params;
  return w;
}

}  // namespace dseek
