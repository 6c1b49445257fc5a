// Feed-forward blocks: the dense SwiGLU MLP and DeepSeekMoE (routed + shared experts) with
// noaux_tc routing. DeepSeek-V3 report §2.1.2; oracle DeepseekV32Ref.route / .moe;
// REPORT.md trap 8 (masked groups are -inf, weights from the unbiased scores).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/linear.h"
#include "kernels/ops.h"
#include "model/model.h"

namespace dseek {

void Model::mlp(const MlpWeights& m, const float* x, int64_t T, float* out) const {
  const int64_t I = m.gate_proj.rows;
  std::vector<float> g(T * I), u(T * I);
  lin(x, T, m.gate_proj, g.data());
  lin(x, T, m.up_proj, u.data());
  swiglu(g.data(), u.data(), T * I);
  bf(g.data(), T * I);
  lin(g.data(), T, m.down_proj, out);
}

void Model::ffn(const LayerWeights& L, int tag, const float* x, int64_t N, float* out, Trace* trace) const {
  const ModelConfig& c = config();
  const int64_t D = c.hidden_size;
  if (!L.moe) {
    mlp(L.mlp, x, N, out);
    return;
  }
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  // Router: fp32 logits, sigmoid (or softmax) scores; the correction bias only steers selection.
  std::vector<float> scores(N * E);
  linear(x, N, L.gate, scores.data());
  for (int64_t i = 0; i < N; ++i) {
    float* s = scores.data() + i * E;
    if (c.scoring_func == "sigmoid") {
      for (int64_t e = 0; e < E; ++e) s[e] = 1.0f / (1.0f + std::exp(-s[e]));
    } else {
      softmax(s, E);
    }
  }
  const bool has_bias = !L.gate_bias.empty();
  std::vector<std::vector<int32_t>> rows_of(E);   // tokens routed to each expert
  std::vector<std::vector<float>> wts_of(E);
  std::vector<float> choice(E);
  if (trace) trace->experts[tag].assign(N, {});
  for (int64_t i = 0; i < N; ++i) {
    const float* s = scores.data() + i * E;
    for (int64_t e = 0; e < E; ++e) choice[e] = s[e] + (has_bias ? L.gate_bias[e] : 0.0f);
    if (c.n_group > 1) {
      const int64_t G = c.n_group, per = E / G;
      std::vector<float> gscore(G);
      for (int64_t g = 0; g < G; ++g) {
        const float* cg = choice.data() + g * per;
        if (has_bias) {
          std::vector<int32_t> top2 = topk_ordered(cg, per, 2);
          float sum = 0;
          for (int32_t k : top2) sum += cg[k];
          gscore[g] = sum;
        } else {
          gscore[g] = *std::max_element(cg, cg + per);
        }
      }
      std::vector<int32_t> keep = topk_ordered(gscore.data(), G, c.topk_group);
      std::vector<bool> kept(G, false);
      for (int32_t g : keep) kept[g] = true;
      for (int64_t g = 0; g < G; ++g)
        if (!kept[g])
          std::fill(choice.begin() + g * per, choice.begin() + (g + 1) * per, -std::numeric_limits<float>::infinity());
    }
    std::vector<int32_t> idx = topk_ordered(choice.data(), E, K);
    double sum = 0;
    for (int32_t e : idx) sum += s[e];
    for (int32_t e : idx) {
      float w = s[e];
      if (c.norm_topk_prob && c.scoring_func == "sigmoid") w = static_cast<float>(w / sum);
      rows_of[e].push_back(static_cast<int32_t>(i));
      wts_of[e].push_back(w * static_cast<float>(c.routed_scaling_factor));
    }
    if (trace) {
      std::vector<int32_t> sorted = idx;
      std::sort(sorted.begin(), sorted.end());
      trace->experts[tag][i] = sorted;
    }
  }
  // Experts in ascending id, each over the tokens routed to it (experts with no token skipped).
  std::fill(out, out + N * D, 0.0f);
  std::vector<float> xe, ye;
  for (int64_t e = 0; e < E; ++e) {
    const auto& rows = rows_of[e];
    if (rows.empty()) continue;
    const int64_t T = static_cast<int64_t>(rows.size());
    xe.resize(T * D);
    ye.resize(T * D);
    for (int64_t t = 0; t < T; ++t) std::copy_n(x + rows[t] * D, D, xe.data() + t * D);
    mlp(L.experts[e], xe.data(), T, ye.data());
    for (int64_t t = 0; t < T; ++t) {
      float* o = out + rows[t] * D;
      const float w = wts_of[e][t];
      for (int64_t d = 0; d < D; ++d) o[d] += ye[t * D + d] * w;
    }
  }
  if (L.has_shared) {
    ye.resize(N * D);
    mlp(L.shared_experts, x, N, ye.data());
    for (int64_t i = 0; i < N * D; ++i) out[i] += ye[i];
  }
  bf(out, N * D);
}

}  // namespace dseek
