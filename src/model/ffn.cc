// Feed-forward blocks: the dense SwiGLU MLP and DeepSeekMoE (routed + shared experts) with
// noaux_tc routing. DeepSeek-V3 report §2.1.2; oracle DeepseekV32Ref.route / .moe;
// REPORT.md trap 8 (masked groups are -inf, weights from the unbiased scores).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/linear.h"
#include "kernels/ops.h"
#include "model/model.h"
#include "model/router.h"
#include "mpi/communicator.h"

namespace dseek {

void Model::mlp(const MlpWeights& m, const float* x, int64_t T, const uint8_t* gemm, float* out) const {
  const int64_t I = m.gate_proj.rows;
  std::vector<float> g(T * I), u(T * I);
  lin(x, T, m.gate_proj, g.data(), gemm);
  lin(x, T, m.up_proj, u.data(), gemm);
  swiglu(g.data(), u.data(), T * I);
  bf(g.data(), T * I);
  lin(g.data(), T, m.down_proj, out, gemm);
}

void Model::ffn(const LayerWeights& L, int tag, const float* x, int64_t N, const RowPaths& paths, float* out,
                Trace* trace) const {
  const ModelConfig& c = config();
  const int64_t D = c.hidden_size;
  const std::vector<uint8_t>& gemm = paths.gemm;
  if (!L.moe) {
    mlp(L.mlp, x, N, gemm.data(), out);
    return;
  }
  const int64_t E = c.n_routed_experts;
  // Router: fp32 logits in both numerics.
  std::vector<float> scores(N * E);
  linear_mixed(x, N, L.gate, scores.data(), gemm.data());
  std::vector<std::vector<int32_t>> rows_of(E);  // tokens routed to each expert
  std::vector<std::vector<float>> wts_of(E);
  if (trace) trace->experts[tag].assign(N, {});
  for (int64_t i = 0; i < N; ++i) {
    Routing r = route(c, scores.data() + i * E, L.gate_bias);
    for (size_t k = 0; k < r.experts.size(); ++k) {
      rows_of[r.experts[k]].push_back(static_cast<int32_t>(i));
      wts_of[r.experts[k]].push_back(r.weights[k]);
    }
    if (trace) {
      std::vector<int32_t> sorted = r.experts;
      std::sort(sorted.begin(), sorted.end());
      trace->experts[tag][i] = sorted;
    }
  }
  // Experts in ascending id, each over the tokens routed to it (experts with no token skipped).
  // Under expert parallelism only this rank's range; the ranks' partial sums are added below.
  std::fill(out, out + N * D, 0.0f);
  std::vector<float> xe, ye;
  for (int64_t e = expert_begin_; e < expert_end_; ++e) {
    const auto& rows = rows_of[e];
    if (rows.empty()) continue;
    const int64_t T = static_cast<int64_t>(rows.size());
    xe.resize(T * D);
    ye.resize(T * D);
    std::vector<int32_t> seq_e(T);
    for (int64_t t = 0; t < T; ++t) {
      std::copy_n(x + rows[t] * D, D, xe.data() + t * D);
      seq_e[t] = paths.seq[rows[t]];
    }
    mlp(L.experts[e], xe.data(), T, prefill_gemm_rows(seq_e).data(), ye.data());
    for (int64_t t = 0; t < T; ++t) {
      float* o = out + rows[t] * D;
      const float w = wts_of[e][t];
      for (int64_t d = 0; d < D; ++d) o[d] += ye[t * D + d] * w;
    }
  }
  if (ep_comm_) ep_comm_->allreduce_sum(out, N * D);  // fixed rank order: same bits every run
  if (L.has_shared) {
    ye.resize(N * D);
    mlp(L.shared_experts, x, N, gemm.data(), ye.data());
    for (int64_t i = 0; i < N * D; ++i) out[i] += ye[i];
  }
  bf(out, N * D);
}

}  // namespace dseek
