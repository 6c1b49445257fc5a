#include "model/router.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/ops.h"

namespace dseek {

Routing route(const ModelConfig& c, const float* logits, const std::vector<float>& bias) {
  const int64_t E = c.n_routed_experts;
  std::vector<float> s(logits, logits + E), choice(E);
  if (c.scoring_func == "sigmoid") {
    for (auto& v : s) v = 1.0f / (1.0f + std::exp(-v));
  } else {
    softmax(s.data(), E);
  }
  const bool has_bias = !bias.empty();
  for (int64_t e = 0; e < E; ++e) choice[e] = s[e] + (has_bias ? bias[e] : 0.0f);
  if (c.n_group > 1) {
    const int64_t G = c.n_group, per = E / G;
    std::vector<float> gscore(G);
    for (int64_t g = 0; g < G; ++g) {
      const float* cg = choice.data() + g * per;
      if (has_bias) {
        float sum = 0;
        for (int32_t k : topk_ordered(cg, per, 2)) sum += cg[k];
        gscore[g] = sum;
      } else {
        gscore[g] = *std::max_element(cg, cg + per);
      }
    }
    std::vector<bool> kept(G, false);
    for (int32_t g : topk_ordered(gscore.data(), G, c.topk_group)) kept[g] = true;
    for (int64_t g = 0; g < G; ++g)
      if (!kept[g])
        std::fill(choice.begin() + g * per, choice.begin() + (g + 1) * per, -std::numeric_limits<float>::infinity());
  }
  Routing r;
  r.experts = topk_ordered(choice.data(), E, c.num_experts_per_tok);
  double sum = 0;
  for (int32_t e : r.experts) sum += s[e];
  for (int32_t e : r.experts) {
    float w = s[e];
    if (c.norm_topk_prob && c.scoring_func == "sigmoid") w = static_cast<float>(w / sum);
    r.weights.push_back(w * static_cast<float>(c.routed_scaling_factor));
  }
  return r;
}

}  // namespace dseek
