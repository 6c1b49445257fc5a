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

// One layer's cache rows of one sequence: the paged cache (main layers) or plain rows (MTP).
struct KvAccess {
  SequenceCache* sc;
  LayerKV* plain;  // non-null for the MTP layer
  int layer;
  int64_t C, R, D;

  void append(int64_t pos0, int64_t n, const float* latent, const float* pe, const float* ik) {
    if (plain) {
      append_rows(plain->kv, latent, n, C);
      append_rows(plain->pe, pe, n, R);
      if (ik) append_rows(plain->ik, ik, n, D);
      return;
    }
    for (int64_t i = 0; i < n; ++i) sc->write(layer, pos0 + i, latent + i * C, pe + i * R, ik ? ik + i * D : nullptr);
  }
  void gather(const int32_t* idx, int64_t n, float* latent, float* pe) const {
    if (!plain) return sc->gather(layer, idx, n, latent, pe);
    for (int64_t k = 0; k < n; ++k) {
      std::copy_n(plain->kv.data() + int64_t(idx[k]) * C, C, latent + k * C);
      std::copy_n(plain->pe.data() + int64_t(idx[k]) * R, R, pe + k * R);
    }
  }
  void gather_prefix(int64_t n, float* latent, float* pe) const {
    if (!plain) return sc->gather_prefix(layer, n, latent, pe);
    std::copy_n(plain->kv.data(), n * C, latent);
    std::copy_n(plain->pe.data(), n * R, pe);
  }
  // score[s] = sum_h w[h] * ReLU(q_h . k_s), a block of 64 keys at a time (SequenceCache).
  void index_scores(const float* q, const float* w, int64_t H, int64_t n, float* score) const {
    if (!plain) return sc->index_scores(layer, q, w, H, n, score);
    std::vector<float> part(H * 64);
    for (int64_t b0 = 0; b0 < n; b0 += 64) {
      const int64_t rows = std::min<int64_t>(64, n - b0);
      linear_prefill(q, H, f32_matrix(plain->ik.data() + b0 * D, rows, D), part.data());
      indexer_head_sum(part.data(), w, H, rows, score + b0);
    }
  }
};


void Model::attention(const LayerWeights& L, int tag, const float* x, int64_t N, const std::vector<Run>& runs,
                      const RowPaths& paths, const std::vector<SequenceCache*>& caches, bool mtp, float* out,
                      Trace* trace) const {
  const ModelConfig& c = config();
  const bool official = numerics_ == Numerics::Official;
  const bool pow2 = c.scale_fmt == "ue8m0";
  const int64_t H = c.num_attention_heads, dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim,
                dv = c.v_head_dim, C = c.kv_lora_rank, QL = c.q_lora_rank, qk = dn + dr;
  const uint8_t* gm = paths.gemm.data();
  std::vector<int64_t> pos(N);
  for (const Run& r : runs)
    for (int64_t i = 0; i < r.count; ++i) pos[r.begin + i] = r.start_pos + i;

  // --- q path: q_a_proj -> q_a_layernorm -> q_b_proj; RoPE (interleaved) on q_pe.
  std::vector<float> qr(N * QL), q(N * H * qk);
  lin(x, N, L.q_a_proj, qr.data(), gm);
  rmsnorm(qr.data(), N, QL, L.q_a_layernorm.data(), c.rms_norm_eps, qr.data());
  bf(qr.data(), N * QL);
  lin(qr.data(), N, L.q_b_proj, q.data(), gm);
  for (int64_t i = 0; i < N; ++i)
    for (int64_t h = 0; h < H; ++h) {
      float* qp = q.data() + (i * H + h) * qk + dn;
      rope_.apply(qp, pos[i], true);
      bf(qp, dr);
    }

  // --- kv path: kv_a_proj_with_mqa -> [latent | k_pe]; kv_a_layernorm on the latent.
  std::vector<float> kva(N * (C + dr)), kvn(N * C), kpe(N * dr);
  lin(x, N, L.kv_a_proj_with_mqa, kva.data(), gm);
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
    lin(qr.data(), N, L.idx_wq_b, iq.data(), gm);
    for (int64_t i = 0; i < N; ++i)
      for (int64_t h = 0; h < Hi; ++h) {
        float* p = iq.data() + (i * Hi + h) * Di;
        rope_.apply(p, pos[i], false);  // rotate-half on the first dr dims (REPORT trap 1)
        bf(p, dr);
      }
    lin(x, N, L.idx_wk, ik.data(), gm);
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
    linear_mixed(x, N, L.idx_weights_proj, iw.data(), gm);  // fp32 in both numerics
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
    KvAccess kv{&sc, mtp ? &sc.mtp : nullptr, L.index, C, dr, Di};
    kv.append(r.start_pos, r.count, kvn.data() + r.begin * C, kpe.data() + r.begin * dr,
              c.has_indexer ? ik.data() + r.begin * Di : nullptr);
    const int64_t end = r.start_pos + r.count;

    // Top-k selection per query token: index score(t, s) = sum_h w_h(t) * ReLU(q_h(t) . k(s)),
    // the head dots as products of the token's [Hi, Di] queries with blocks of cached keys,
    // each block's dots summed into its scores at once (no [Hi, positions] buffer).
    std::vector<std::vector<int32_t>> sel(r.count);
    const bool par_tokens = r.count > 1;
#pragma omp parallel for schedule(dynamic) if (par_tokens && r.count * end * Hi * Di > (1 << 20))
    for (int64_t t = 0; t < r.count; ++t) {
      const int64_t i = r.begin + t, n_valid = pos[i] + 1;
      const bool sparse = c.has_indexer && !dense_attention_ && n_valid > c.index_topk;
      if (c.has_indexer && (sparse || trace)) {
        std::vector<float> score(n_valid);
        kv.index_scores(iq.data() + i * Hi * Di, iw.data() + i * Hi, Hi, n_valid, score.data());
        if (sparse) sel[t] = topk_indices(score.data(), n_valid, c.index_topk);
        if (trace) trace->index_scores[tag][i] = score;
      }
      if (sel[t].empty()) {
        sel[t].resize(n_valid);
        for (int64_t s2 = 0; s2 < n_valid; ++s2) sel[t][s2] = static_cast<int32_t>(s2);
      }
    }
    if (trace)
      for (int64_t t = 0; t < r.count; ++t) trace->topk[tag][r.begin + t] = sel[t];

    if (r.count > 1 && r.start_pos == 0) {
      // A prompt from position 0: the MHA form, as DeepSeek's prefill computes it.
      attend_prefill(L, q.data() + r.begin * H * qk, r.count, kv, end, sel, o.data() + r.begin * H * dv);
    } else {
      // Decode, and prefill chunks that continue a cache (chunked prefill, reused prefixes):
      // the absorbed form token by token, reading only each token's selected latents — the
      // MHA form would expand every cached latent of a long context through kv_b_proj.
      for (int64_t t = 0; t < r.count; ++t)
        attend_decode(L, q.data() + (r.begin + t) * H * qk, kv, sel[t], pos[r.begin + t] + 1,
                      o.data() + (r.begin + t) * H * dv);
    }
  }
  lin(o.data(), N, L.o_proj, out, gm);
}

// kvb[j, h, :] = [k_nope | v] of head h for latent j: kv_b_proj's product, or with GGUF's
// per-head split the product with v_b_proj and, per head, lat . k_b_h (k_b_h [C, dn] is W_UK_h
// transposed: its rows are dequantised into a transposed fp32 [dn, C] scratch, 64K values).
void Model::expand_latents(const LayerWeights& L, const float* lat, int64_t end, float* kvb) const {
  const ModelConfig& c = config();
  const int64_t H = c.num_attention_heads, dn = c.qk_nope_head_dim, dv = c.v_head_dim, C = c.kv_lora_rank;
  const std::vector<uint8_t> gemm(end, end >= kPrefillGemmRows);
  if (!L.k_b_proj.data) return lin(lat, end, L.kv_b_proj, kvb, gemm.data());
  std::vector<float> v(end * H * dv);
  lin(lat, end, L.v_b_proj, v.data(), gemm.data());
#pragma omp parallel for schedule(dynamic) if (end * H * dn * C > (1 << 20))
  for (int64_t h = 0; h < H; ++h) {
    std::vector<float> wt(dn * C), row(dn), k(end * dn);
    for (int64_t cc = 0; cc < C; ++cc) {
      L.k_b_proj.row(h * C + cc, row.data());
      for (int64_t d = 0; d < dn; ++d) wt[d * C + cc] = row[d];
    }
    linear_mixed(lat, end, f32_matrix(wt.data(), dn, C), k.data(), gemm.data());
    bf(k.data(), end * dn);
    for (int64_t j = 0; j < end; ++j) {
      float* dst = kvb + (j * H + h) * (dn + dv);
      std::copy_n(k.data() + j * dn, dn, dst);
      std::copy_n(v.data() + (j * H + h) * dv, dv, dst + dn);
    }
  }
}

// Prefill (MHA form): every cached latent is expanded to per-head [k_nope | v] with
// kv_b_proj; per head, scores = Q_h K_h^T over all cached positions, masked to the selected
// (and causal) ones, softmax, then P V_h. Oracle: attention(path="prefill").
void Model::attend_prefill(const LayerWeights& L, const float* q, int64_t T, const KvAccess& kv,
                           int64_t end, const std::vector<std::vector<int32_t>>& sel, float* o) const {
  const ModelConfig& c = config();
  const bool official = numerics_ == Numerics::Official;
  const int64_t H = c.num_attention_heads, dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim, dv = c.v_head_dim,
                qk = dn + dr;
  std::vector<float> kvb(end * H * (dn + dv)), lat(end * c.kv_lora_rank), pe(end * dr);
  kv.gather_prefix(end, lat.data(), pe.data());
  expand_latents(L, lat.data(), end, kvb.data());
  const float scale = softmax_scale_, ninf = -std::numeric_limits<float>::infinity();
  // Queries go in chunks so the score scratch is [chunk, end], not [T, end].
  const int64_t TC = std::min<int64_t>(T, 256);
#pragma omp parallel for schedule(dynamic) if (T * end * H * qk > (1 << 20))
  for (int64_t h = 0; h < H; ++h) {
    std::vector<float> K(end * qk), Vt(dv * end), Q(TC * qk), S(TC * end), O(TC * dv);
    for (int64_t j = 0; j < end; ++j) {
      const float* src = kvb.data() + (j * H + h) * (dn + dv);
      std::copy_n(src, dn, K.data() + j * qk);
      std::copy_n(pe.data() + j * dr, dr, K.data() + j * qk + dn);
      for (int64_t d = 0; d < dv; ++d) Vt[d * end + j] = src[dn + d];
    }
    for (int64_t c0 = 0; c0 < T; c0 += TC) {
      const int64_t tn = std::min(TC, T - c0);
      for (int64_t t = 0; t < tn; ++t) std::copy_n(q + ((c0 + t) * H + h) * qk, qk, Q.data() + t * qk);
      linear_prefill(Q.data(), tn, f32_matrix(K.data(), end, qk), S.data());
      for (int64_t t = 0; t < tn; ++t) {
        float* st = S.data() + t * end;
        std::vector<float> keep(end, ninf);
        for (int32_t j : sel[c0 + t]) {
          float v = st[j];
          if (official) v = bf16_round(bf16_round(v) * scale);
          else v *= scale;
          keep[j] = v;
        }
        softmax(keep.data(), end);
        bf(keep.data(), end);
        std::copy(keep.begin(), keep.end(), st);
      }
      linear_prefill(S.data(), tn, f32_matrix(Vt.data(), dv, end), O.data());
      bf(O.data(), tn * dv);
      for (int64_t t = 0; t < tn; ++t) std::copy_n(O.data() + t * dv, dv, o + ((c0 + t) * H + h) * dv);
    }
  }
}

// Decode (absorbed form, MQA over the latent): q_nope is folded through W_UK into the 512-d
// latent space, scores are taken against the gathered selected latents and k_pe, and the
// attended latent goes through W_UV. Only the selected rows are read. Oracle:
// attention(path="decode").
void Model::attend_decode(const LayerWeights& L, const float* q, const KvAccess& kv, const std::vector<int32_t>& sel_in,
                          int64_t n_valid, float* o) const {
  const ModelConfig& c = config();
  const bool official = numerics_ == Numerics::Official;
  // Reference mode (tests): score every causal position and mask the unselected ones to -inf,
  // instead of gathering only the selected rows.
  std::vector<int32_t> all;
  std::vector<bool> allowed;
  if (masked_dense_reference_) {
    all.resize(n_valid);
    allowed.assign(n_valid, false);
    for (int64_t j = 0; j < n_valid; ++j) all[j] = static_cast<int32_t>(j);
    for (int32_t j : sel_in) allowed[j] = true;
  }
  const std::vector<int32_t>& sel = masked_dense_reference_ ? all : sel_in;
  const int64_t H = c.num_attention_heads, dn = c.qk_nope_head_dim, dr = c.qk_rope_head_dim, dv = c.v_head_dim,
                qk = dn + dr, C = c.kv_lora_rank, n = static_cast<int64_t>(sel.size());
  std::vector<float> qa(H * C, 0.0f), qp(H * dr), G(n * C), GP(n * dr), GT(C * n), sn(H * n), sp(H * n), olat(H * C);
  // Heads are independent: W_UK and W_UV (kv_b_proj, 16.8M weights a layer at full size) are
  // read by all threads, not by one.
#pragma omp parallel for schedule(static)
  for (int64_t h = 0; h < H; ++h) {
    if (L.k_b_proj.data)
      linear(q + h * qk, 1, L.k_b_proj, qa.data() + h * C, h * C, C);
    else
      accumulate_rows(q + h * qk, dn, L.kv_b_proj, h * (dn + dv), qa.data() + h * C);
    std::copy_n(q + h * qk + dn, dr, qp.data() + h * dr);
  }
  bf(qa.data(), H * C);
  kv.gather(sel.data(), n, G.data(), GP.data());
  for (int64_t k = 0; k < n; ++k)
    for (int64_t cc = 0; cc < C; ++cc) GT[cc * n + k] = G[k * C + cc];
  // Heads are the "tokens" of these products: one token's attention, its result independent
  // of any batch, so the prefill GEMM serves decode here too.
  linear_prefill(qa.data(), H, f32_matrix(G.data(), n, C), sn.data());
  linear_prefill(qp.data(), H, f32_matrix(GP.data(), n, dr), sp.data());
  const float scale = softmax_scale_;
  for (int64_t h = 0; h < H; ++h) {
    float* s = sn.data() + h * n;
    const float* p = sp.data() + h * n;
    for (int64_t k = 0; k < n; ++k)
      s[k] = official ? bf16_round(bf16_round(bf16_round(s[k]) + bf16_round(p[k])) * scale) : (s[k] + p[k]) * scale;
    if (masked_dense_reference_)
      for (int64_t k = 0; k < n; ++k)
        if (!allowed[k]) s[k] = -std::numeric_limits<float>::infinity();
    softmax(s, n);
    bf(s, n);
  }
  linear_prefill(sn.data(), H, f32_matrix(GT.data(), C, n), olat.data());
  bf(olat.data(), H * C);
#pragma omp parallel for schedule(static)
  for (int64_t h = 0; h < H; ++h) {
    if (L.v_b_proj.data)
      linear(olat.data() + h * C, 1, L.v_b_proj, o + h * dv, h * dv, dv);
    else
      linear(olat.data() + h * C, 1, L.kv_b_proj, o + h * dv, h * (dn + dv) + dn, dv);
  }
  bf(o, H * dv);
}

}  // namespace dseek
