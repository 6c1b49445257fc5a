#include "model_v4/moe_v4.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/ops.h"
#include "model_v4/linear_v4.h"
#include "model_v4/numerics_v4.h"
#include "runtime/error.h"

namespace dseek {

void expert_v4(const ConfigV4& c, const ExpertWeightsV4& e, const float* x, int64_t T, const float* row_weight,
               float* y, bool official) {
  const int64_t I = e.w1.rows;
  const bool pow2 = c.ue8m0();
  std::vector<float> g(T * I), u(T * I);
  if (official) {
    linear_official(x, T, e.w1, g.data(), pow2);
    linear_official(x, T, e.w3, u.data(), pow2);
  } else {
    linear_v4(x, T, e.w1, g.data());
    linear_v4(x, T, e.w3, u.data());
  }
  const float L = static_cast<float>(c.swiglu_limit);
  for (int64_t t = 0; t < T; ++t) {
    const float wt = row_weight ? row_weight[t] : 1.0f;
    for (int64_t i = 0; i < I; ++i) {
      float gv = g[t * I + i], uv = u[t * I + i];
      if (L > 0) {
        uv = std::clamp(uv, -L, L);  // up: both sides
        gv = std::min(gv, L);        // gate: from above only
      }
      g[t * I + i] = gv / (1.0f + std::exp(-gv)) * uv * wt;
    }
  }
  if (official) {
    round_bf16(g.data(), T * I);  // w2(x.to(bf16))
    linear_official(g.data(), T, e.w2, y, pow2);
  } else {
    linear_v4(g.data(), T, e.w2, y);
  }
}

void moe_v4(const ConfigV4& c, const FfnWeightsV4& w, const float* x, const int32_t* tokens, int64_t T, float* out,
            int layer, TraceV4* trace, bool official) {
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok, Hd = c.hidden_size;
  std::vector<float> s(T * E);
  linear_v4(x, T, w.gate, s.data());
  for (float& v : s) {
    const double sp = v > 20.0f ? static_cast<double>(v) : std::log1p(std::exp(static_cast<double>(v)));
    v = static_cast<float>(std::sqrt(sp));
  }
  std::vector<std::vector<int32_t>> rows_of(E);
  std::vector<std::vector<float>> wts_of(E);
  if (trace) trace->experts[layer].reserve(trace->experts[layer].size() + T);
  std::vector<float> biased(E);
  for (int64_t t = 0; t < T; ++t) {
    const float* st = s.data() + t * E;
    std::vector<int32_t> idx;
    if (w.hash) {
      if (tokens[t] < 0 || tokens[t] >= c.vocab_size)
        throw Error("token id " + std::to_string(tokens[t]) + " is outside the vocabulary (0.." +
                    std::to_string(c.vocab_size - 1) + ")");
      idx.assign(w.tid2eid.begin() + static_cast<int64_t>(tokens[t]) * K,
                 w.tid2eid.begin() + static_cast<int64_t>(tokens[t] + 1) * K);
      std::sort(idx.begin(), idx.end());
    } else {
      for (int64_t e = 0; e < E; ++e) biased[e] = st[e] + w.bias[e];
      idx = topk_indices(biased.data(), E, K);
    }
    double sum = 0;
    for (int32_t e : idx) sum += st[e];
    for (int32_t e : idx) {
      rows_of[e].push_back(static_cast<int32_t>(t));
      wts_of[e].push_back(static_cast<float>(st[e] / sum * c.routed_scaling_factor));
    }
    if (trace) trace->experts[layer].push_back(idx);
  }
  // Shared expert on every row, then each routed expert on its rows (official: the reference's
  // order of the fp32 sums, routed experts into zeros, then the shared expert).
  if (official)
    std::fill_n(out, T * Hd, 0.0f);
  else
    expert_v4(c, w.shared, x, T, nullptr, out);
  std::vector<float> xe, ye;
  for (int64_t e = 0; e < E; ++e) {
    const std::vector<int32_t>& rows = rows_of[e];
    if (rows.empty()) continue;
    const int64_t n = static_cast<int64_t>(rows.size());
    xe.resize(n * Hd);
    ye.resize(n * Hd);
    for (int64_t i = 0; i < n; ++i) std::copy_n(x + rows[i] * Hd, Hd, xe.data() + i * Hd);
    expert_v4(c, w.experts[e], xe.data(), n, wts_of[e].data(), ye.data(), official);
    for (int64_t i = 0; i < n; ++i) {
      float* o = out + rows[i] * Hd;
      const float* y = ye.data() + i * Hd;
      for (int64_t d = 0; d < Hd; ++d) o[d] += y[d];
    }
  }
  if (official) {
    ye.resize(T * Hd);
    expert_v4(c, w.shared, x, T, nullptr, ye.data(), true);
    for (int64_t i = 0; i < T * Hd; ++i) out[i] += ye[i];
  }
}

}  // namespace dseek
