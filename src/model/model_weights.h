// The weights of a DeepSeek-V3.2 / V3 checkpoint bound to typed views, per layer, after
// checking that every tensor the config implies is present with the right dtype and shape.
// Big matrices stay in the mmap'd files (FP8 + block scales, BF16, F16, F32 or a ggml block
// type from a GGUF); small vectors (norm weights, biases) are converted to fp32 copies.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "kernels/matrix.h"
#include "weights/checkpoint.h"

namespace dseek {

struct MlpWeights {  // SwiGLU: down(silu(gate(x)) * up(x))
  Matrix gate_proj, up_proj, down_proj;
};

struct LayerWeights {
  int index = 0;
  std::vector<float> input_layernorm, post_attention_layernorm;
  // MLA
  Matrix q_a_proj, q_b_proj, kv_a_proj_with_mqa, kv_b_proj, o_proj;
  // GGUF checkpoints ship kv_b_proj split per head (llama.cpp's attn_k_b / attn_v_b):
  // k_b_proj [H * kv_lora, nope] (head h: W_UK_h transposed), v_b_proj [H * v, kv_lora]
  // (head h: W_UV_h). When k_b_proj.data is set, kv_b_proj is empty.
  Matrix k_b_proj, v_b_proj;
  std::vector<float> q_a_layernorm, kv_a_layernorm;
  // DSA lightning indexer (deepseek_v32)
  Matrix idx_wq_b, idx_wk, idx_weights_proj;
  std::vector<float> idx_k_norm_weight, idx_k_norm_bias;
  // FFN: dense MLP, or MoE (router + routed experts + shared experts)
  bool moe = false;
  MlpWeights mlp;
  Matrix gate;                       // router [n_routed_experts, hidden], BF16
  std::vector<float> gate_bias;      // e_score_correction_bias (empty when absent)
  std::vector<MlpWeights> experts;
  MlpWeights shared_experts;
  bool has_shared = false;
  // MTP layer extras (index >= num_hidden_layers)
  bool mtp = false;
  Matrix mtp_embed, eh_proj, shared_head_head;
  std::vector<float> enorm, hnorm, shared_head_norm;
};

struct ModelWeights {
  Matrix embed_tokens, lm_head;
  std::vector<float> norm;
  std::vector<LayerWeights> layers;  // num_hidden_layers main layers
  std::vector<LayerWeights> mtp;     // num_nextn_predict_layers MTP layers

  // Binds and validates every tensor. Throws dseek::Error naming the file and tensor for a
  // missing tensor, a wrong dtype or a wrong shape.
  static ModelWeights bind(const Checkpoint& ck);
  // Number of parameters (elements of the bound matrices and vectors), main model + MTP.
  size_t n_params = 0;
  size_t n_params_mtp = 0;
};

}  // namespace dseek
