// DeepSeekMoE router, noaux_tc: sigmoid (or softmax) scores; e_score_correction_bias added
// for selection only; group-limited (keep topk_group groups ranked by the sum of their top-2
// biased scores — max score without a bias — other groups' experts masked to -inf); top-k
// experts; weights = unbiased scores of the chosen experts, normalised (norm_topk_prob),
// times routed_scaling_factor. DeepSeek-V3 report §2.1.2; oracle DeepseekV32Ref.route.
#pragma once
#include <cstdint>
#include <vector>

#include "weights/config.h"

namespace dseek {

struct Routing {
  std::vector<int32_t> experts;  // num_experts_per_tok ids, in order of preference
  std::vector<float> weights;    // matching routing weights
};

// logits: the router's fp32 outputs x . W_gate^T for one token [n_routed_experts];
// bias: e_score_correction_bias or empty.
Routing route(const ModelConfig& c, const float* logits, const std::vector<float>& bias);

}  // namespace dseek
