// Multi-head latent attention (MLA) with DeepSeek Sparse Attention (DSA).
// DeepSeek-V3 report §2.1.1 (MLA), DeepSeek-V3.2 paper §2.1 (lightning indexer, top-k
// selection); oracle DeepseekV32Ref.attention / .indexer. Names follow the HF checkpoint.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/act_quant.h"
#include "kernels/linear.h"
#include "kernels/numeric.h"
#include "kernels/ops.h"
#include "model/model.h"

namespace dseek {

namespace {

void append_rows(std::vector<float>& dst, const float* src, int64_t rows, int64_t width) {
  dst.insert(dst.end(), src, src + rows * width);
}

}  // namespace

void Model::attention(const LayerWeights& L, int tag, const float* x, int64_t N, const std::vector<Run>& runs,
                      const std::vector<SequenceCache*>& caches, bool mtp, float* out, Trace* trace) const {
  const ModelConfig& c = config();
  const bool official = numerics_ == Numerics::Official;
  const bool pow2 = c.scale_fmt == "ue8m0";
  const int64_t H = c.num_attention_heads, dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim,
                dv = c.v_head_dim, C = c.kv_lora_rank, QL = c.q_lora_rank, qk = dn + dr;
  std::vector<int64_t> pos(N);
  for (const Run& r : runs)
    for (int64_t i = 0; i < r.count; ++i) pos[r.begin + i] = r.start_pos + i;

  // --- q path: q_a_proj -> q_a_layernorm -> q_b_proj; RoPE (interleaved) on q_pe.
  std::vector<float> qr(N * QL), q(N * H * qk);
  lin(x, N, L.q_a_proj, qr.data());
  rmsnorm(qr.data(), N, QL, L.q_a_layernorm.data(), c.rms_norm_eps, qr.data());
  bf(qr.data(), N * QL);
  lin(qr.data(), N, L.q_b_proj, q.data());
  for (int64_t i = 0; i < N; ++i)
    for (int64_t h = 0; h < H; ++h) {
      float* qp = q.data() + (i * H + h) * qk + dn;
      rope_.apply(qp, pos[i], true);
      bf(qp, dr);
    }

  // --- kv path: kv_a_proj_with_mqa -> [latent | k_pe]; kv_a_layernorm on the latent.
  std::vector<float> kva(N * (C + dr)), kvn(N * C), kpe(N * dr);
  lin(x, N, L.kv_a_proj_with_mqa, kva.data());
  for (int64_t i = 0; i < N; ++i) {
    std::copy_n(kva.data() + i * (C + dr), C, kvn.data() + i * C);
    std::copy_n(kva.data() + i * (C + dr) + C, dr, kpe.data() + i * dr);
    rope_.apply(kpe.data() + i * dr, pos[i], true);
  }
  rmsnorm(kvn.data(), N, C, L.kv_a_layernorm.data(), c.rms_norm_eps, kvn.data());
  bf(kvn.data(), N * C);
  bf(kpe.data(), N * dr);
  if (official) act_qdq(kvn.data(), N, C, pow2);  // fp8 KV-cache simulation of the latent

  // --- lightning indexer: q from the q latent, one shared key per token.
  const int64_t Hi = c.index_n_heads, Di = c.index_head_dim;
  std::vector<float> iq, ik, iw;
  if (c.has_indexer) {
    iq.resize(N * Hi * Di);
    ik.resize(N * Di);
    iw.resize(N * Hi);
    lin(qr.data(), N, L.idx_wq_b, iq.data());
    for (int64_t i = 0; i < N; ++i)
      for (int64_t h = 0; h < Hi; ++h) {
        float* p = iq.data() + (i * Hi + h) * Di;
        rope_.apply(p, pos[i], false);  // rotate-half on the first dr dims (REPORT trap 1)
        bf(p, dr);
      }
    lin(x, N, L.idx_wk, ik.data());
    layernorm(ik.data(), N, Di, L.idx_k_norm_weight.data(), L.idx_k_norm_bias.data(), 1e-6f, ik.data());
    bf(ik.data(), N * Di);
    for (int64_t i = 0; i < N; ++i) {
      rope_.apply(ik.data() + i * Di, pos[i], false);
      bf(ik.data() + i * Di, dr);
    }
    hadamard(iq.data(), N * Hi, Di);
    bf(iq.data(), N * Hi * Di);
    hadamard(ik.data(), N, Di);
    bf(ik.data(), N * Di);
    if (official) {
      act_qdq(iq.data(), N * Hi, Di, pow2);
      act_qdq(ik.data(), N, Di, pow2);
    }
    linear(x, N, L.idx_weights_proj, iw.data());  // fp32 in both numerics
    const float wscale = static_cast<float>(1.0 / std::sqrt(double(Hi)) / std::sqrt(double(Di)));
    for (auto& v : iw) v *= wscale;
  }

  std::vector<float> o(N * H * dv);
  if (trace) {
    trace->topk[tag].assign(N, {});
    if (c.has_indexer) trace->index_scores[tag].assign(N, {});
  }
  for (const Run& r : runs) {
    SequenceCache& sc = *caches[r.seq];
    LayerKV& kv = mtp ? sc.mtp : sc.layers[L.index];
    append_rows(kv.kv, kvn.data() + r.begin * C, r.count, C);
    append_rows(kv.pe, kpe.data() + r.begin * dr, r.count, dr);
    if (c.has_indexer) append_rows(kv.ik, ik.data() + r.begin * Di, r.count, Di);
    const int64_t end = r.start_pos + r.count;

    // Top-k selection per query token: index score(t, s) = sum_h w_h(t) * ReLU(q_h(t) . k(s)).
    std::vector<std::vector<int32_t>> sel(r.count);
#pragma omp parallel for schedule(dynamic) if (r.count > 1 && r.count * end * Hi * Di > (1 << 20))
    for (int64_t t = 0; t < r.count; ++t) {
      const int64_t i = r.begin + t, n_valid = pos[i] + 1;
      if (c.has_indexer && (n_valid > c.index_topk || trace)) {
        std::vector<float> score(n_valid);
        for (int64_t s = 0; s < n_valid; ++s) {
          float acc = 0;
          for (int64_t h = 0; h < Hi; ++h) {
            float d = dot(iq.data() + (i * Hi + h) * Di, kv.ik.data() + s * Di, Di);
            acc += std::max(d, 0.0f) * iw[i * Hi + h];
          }
          score[s] = acc;
        }
        if (n_valid > c.index_topk) sel[t] = topk_indices(score.data(), n_valid, c.index_topk);
        if (trace) trace->index_scores[tag][i] = score;
      }
      if (sel[t].empty()) {
        sel[t].resize(n_valid);
        for (int64_t s = 0; s < n_valid; ++s) sel[t][s] = static_cast<int32_t>(s);
      }
    }
    if (trace)
      for (int64_t t = 0; t < r.count; ++t) trace->topk[tag][r.begin + t] = sel[t];

    const float scale = softmax_scale_;
    if (r.count > 1) {
      // Prefill (MHA form): expand every cached latent to per-head [k_nope | v] with kv_b_proj.
      std::vector<float> kvb(end * H * (dn + dv));
      lin(kv.kv.data(), end, L.kv_b_proj, kvb.data());
#pragma omp parallel for collapse(2) schedule(dynamic) if (r.count * H * end * (dn + dv) > (1 << 20))
      for (int64_t t = 0; t < r.count; ++t)
        for (int64_t h = 0; h < H; ++h) {
          const int64_t i = r.begin + t;
          const float* qh = q.data() + (i * H + h) * qk;
          const std::vector<int32_t>& st = sel[t];
          std::vector<float> s(st.size());
          for (size_t k = 0; k < st.size(); ++k) {
            const int64_t j = st[k];
            float v = dot(qh, kvb.data() + (j * H + h) * (dn + dv), dn) + dot(qh + dn, kv.pe.data() + j * dr, dr);
            if (official) v = bf16_round(v);
            v *= scale;
            s[k] = official ? bf16_round(v) : v;
          }
          softmax(s.data(), static_cast<int64_t>(s.size()));
          bf(s.data(), static_cast<int64_t>(s.size()));
          float* oh = o.data() + (i * H + h) * dv;
          std::fill(oh, oh + dv, 0.0f);
          for (size_t k = 0; k < st.size(); ++k) {
            const float* vj = kvb.data() + (st[k] * H + h) * (dn + dv) + dn;
            for (int64_t d = 0; d < dv; ++d) oh[d] += s[k] * vj[d];
          }
          bf(oh, dv);
        }
    } else {
      // Decode (absorbed form): attention in the latent space; W_UK folded into q,
      // W_UV applied to the attended latent.
      const int64_t i = r.begin;
      const std::vector<int32_t>& st = sel[0];
#pragma omp parallel for schedule(static) if (H * static_cast<int64_t>(st.size()) * C > (1 << 20))
      for (int64_t h = 0; h < H; ++h) {
        std::vector<float> qa(C, 0.0f), s(st.size()), olat(C, 0.0f);
        accumulate_rows(q.data() + (i * H + h) * qk, dn, L.kv_b_proj, h * (dn + dv), qa.data());
        bf(qa.data(), C);
        const float* qpe = q.data() + (i * H + h) * qk + dn;
        for (size_t k = 0; k < st.size(); ++k) {
          const int64_t j = st[k];
          float sn = dot(qa.data(), kv.kv.data() + j * C, C), sp = dot(qpe, kv.pe.data() + j * dr, dr);
          s[k] = official ? bf16_round(bf16_round(bf16_round(sn) + bf16_round(sp)) * scale)
                          : (sn + sp) * scale;
        }
        softmax(s.data(), static_cast<int64_t>(s.size()));
        bf(s.data(), static_cast<int64_t>(s.size()));
        for (size_t k = 0; k < st.size(); ++k) {
          const float* kj = kv.kv.data() + st[k] * C;
          const float p = s[k];
#pragma omp simd
          for (int64_t cc = 0; cc < C; ++cc) olat[cc] += p * kj[cc];
        }
        bf(olat.data(), C);
        float* oh = o.data() + (i * H + h) * dv;
        linear(olat.data(), 1, L.kv_b_proj, oh, h * (dn + dv) + dn, dv);
        bf(oh, dv);
      }
    }
  }
  lin(o.data(), N, L.o_proj, out);
}

}  // namespace dseek
