#include "model_v4/attention_v4.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/fp4_index.h"
#include "kernels/linear.h"
#include "kernels/numeric.h"
#include "kernels/ops.h"
#include "kernels/topk_bf16.h"
#include "model_v4/compressor_v4.h"
#include "model_v4/hadamard_v4.h"
#include "model_v4/linear_v4.h"
#include "model_v4/numerics_v4.h"
#include "runtime/error.h"

namespace dseek {

namespace {

// Per-row RMS normalisation without a weight (q's per-head norm, trap 8).
void rms_rows(float* x, int64_t rows, int64_t n, double eps) {
  for (int64_t r = 0; r < rows; ++r) {
    float* v = x + r * n;
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(v[i]) * v[i];
    const float s = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
    for (int64_t i = 0; i < n; ++i) v[i] *= s;
  }
}

// The official scores of the indexer keys kept as FP4 codes (kernels/fp4_index.h: integer dot
// products, no [heads, keys] tile) and each token's top-k (of bf16 scores: by histogram); a
// decode step's keys are split over the threads, a chunk's tokens otherwise. q: [T, heads, dim]
// codes, qe: [T, heads, dim / 32] exponents, wts: [T, heads]. scores (when not null): each
// token's scores.
template <class NVis>
void fp4_scores(const Fp4Keys& keys, const int8_t* q, const uint8_t* qe, const float* wts, int64_t H, int64_t T,
                NVis nvis_of, int64_t topk, std::vector<std::vector<int32_t>>& sel,
                std::vector<std::vector<float>>* scores) {
  const int64_t D = keys.dim(), nb = D / kFp4Block;
  auto score = [&](int64_t t, int64_t j0, int64_t j1, float* s) {
    fp4_index_scores(keys, j0, j1, q + t * H * D, qe + t * H * nb, H, wts + t * H, s + j0);
  };
  auto finish = [&](int64_t t, std::vector<float>& s) {
    sel[t] = topk_bf16(s.data(), static_cast<int64_t>(s.size()), topk);  // the scores are bf16
    if (scores) (*scores)[t] = std::move(s);
  };
  if (T == 1) {
    constexpr int64_t kChunk = 4096;  // keys a task
    const int64_t n = nvis_of(0);
    std::vector<float> s(n);
#pragma omp parallel for schedule(dynamic) if (n > kChunk)
    for (int64_t j0 = 0; j0 < n; j0 += kChunk) score(0, j0, std::min(n, j0 + kChunk), s.data());
    finish(0, s);
    return;
  }
#pragma omp parallel for schedule(dynamic)
  for (int64_t t = 0; t < T; ++t) {
    std::vector<float> s(nvis_of(t));
    score(t, 0, static_cast<int64_t>(s.size()), s.data());
    finish(t, s);
  }
}

// Selected compressed entries (ascending ids) for each token of the chunk.
std::vector<std::vector<int32_t>> select_entries(const ConfigV4& c, const AttnWeightsV4& w, const RopeV4& rope,
                                                 const LayerStateV4& st, const float* x, const float* qr, int64_t T,
                                                 int64_t pos0, int layer, TraceV4* trace, bool official) {
  const int64_t r = w.ratio, n_entries = static_cast<int64_t>(st.comp.size()) / c.head_dim;
  std::vector<std::vector<int32_t>> sel(T);
  if (!w.has_indexer) {  // HCA: every visible entry
    for (int64_t t = 0; t < T; ++t) {
      const int64_t nvis = std::min(n_entries, (pos0 + t + 1) / r);
      for (int64_t j = 0; j < nvis; ++j) sel[t].push_back(static_cast<int32_t>(j));
    }
    return sel;
  }
  const int64_t Hi = c.index_n_heads, Di = c.index_head_dim;
  std::vector<float> q(T * Hi * Di), wts(T * Hi);
  const bool fp4 = official && st.idx_fp4.dim() > 0;  // keys as FP4 codes (StateV4::fp4_index_keys)
  std::vector<int8_t> qc;
  std::vector<uint8_t> qe;
  if (official) {
    // Indexer.forward: wq_b (act_quant + FP8 GEMM, bf16), RoPE (bf16), Hadamard (bf16), FP4 sim;
    // weights_proj is a bf16 linear (bf16 output) times the python-float scale (bf16 result).
    const bool pow2 = c.ue8m0();
    linear_official(qr, T, w.idx_wq_b, q.data(), pow2);
    for (int64_t t = 0; t < T; ++t) rope.apply(q.data() + t * Hi * Di, Hi, Di, pos0 + t);
    round_bf16(q.data(), T * Hi * Di);
    indexer_hadamard(q.data(), T * Hi, Di);
    round_bf16(q.data(), T * Hi * Di);
    if (fp4) {  // the FP4 simulation as codes (the integer scores below)
      qc.resize(T * Hi * Di);
      qe.resize(T * Hi * (Di / kFp4Block));
      for (int64_t i = 0; i < T * Hi; ++i)
        fp4_quantize_row(q.data() + i * Di, Di, qc.data() + i * Di, qe.data() + i * (Di / kFp4Block));
    } else {
      fp4_act_qdq(q.data(), T * Hi, Di);
    }
    linear_official(x, T, w.idx_weights_proj, wts.data(), pow2);
    const float wscale = static_cast<float>(std::pow(static_cast<double>(Di), -0.5) * std::pow(static_cast<double>(Hi), -0.5));
    for (float& v : wts) v = bf16_round(v * wscale);
  } else {
    linear_v4(qr, T, w.idx_wq_b, q.data());
    for (int64_t t = 0; t < T; ++t) rope.apply(q.data() + t * Hi * Di, Hi, Di, pos0 + t);
    indexer_hadamard(q.data(), T * Hi, Di);
    linear_v4(x, T, w.idx_weights_proj, wts.data());
    const float wscale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(Di) * Hi));
    for (float& v : wts) v *= wscale;
  }
  std::vector<std::vector<float>> scores(T);
  auto nvis_of = [&](int64_t t) { return std::min(n_entries, (pos0 + t + 1) / r); };
  if (fp4) {
    fp4_scores(st.idx_fp4, qc.data(), qe.data(), wts.data(), Hi, T, nvis_of, c.index_topk, sel, trace ? &scores : nullptr);
  } else {
    // Per token: the heads' dots with a tile of keys in one product (keys read once for all
    // heads), then the ReLU-weighted sum over heads; no [tokens, entries] matrix is formed.
    constexpr int64_t kTile = 2048;
#pragma omp parallel for schedule(dynamic) if (T > 1)
    for (int64_t t = 0; t < T; ++t) {
      const int64_t nvis = nvis_of(t);
      thread_local std::vector<float> s, hs;
      s.assign(nvis, 0.0f);
      hs.resize(Hi * kTile);
      for (int64_t j0 = 0; j0 < nvis; j0 += kTile) {
        const int64_t n = std::min(kTile, nvis - j0);
        // Keys as the rows of the product, the token's heads as its (cache-resident) matrix.
        linear_v4(st.idx_keys.data() + j0 * Di, n, f32_matrix(q.data() + t * Hi * Di, Hi, Di), hs.data());
        const float* wt = wts.data() + t * Hi;
        if (official) {  // bf16 einsum output, relu, bf16 products with the weights, bf16 head sum
          for (int64_t j = 0; j < n; ++j) {
            const float* row = hs.data() + j * Hi;
            float acc = 0;
            for (int64_t h = 0; h < Hi; ++h) acc += bf16_round(wt[h] * std::max(bf16_round(row[h]), 0.0f));
            s[j0 + j] = bf16_round(acc);
          }
          continue;
        }
        for (int64_t j = 0; j < n; ++j) {
          const float* row = hs.data() + j * Hi;
          float acc = 0;
          for (int64_t h = 0; h < Hi; ++h) acc += wt[h] * std::max(row[h], 0.0f);
          s[j0 + j] = acc;
        }
      }
      sel[t] = topk_indices(s.data(), nvis, c.index_topk);
      if (trace) scores[t] = s;
    }
  }
  if (trace) {
    auto& ts = trace->topk[layer];
    auto& tsc = trace->index_scores[layer];
    for (int64_t t = 0; t < T; ++t) {
      ts.push_back(sel[t]);
      tsc.push_back(std::move(scores[t]));
    }
  }
  return sel;
}

}  // namespace

void attention_v4(const ConfigV4& c, const AttnWeightsV4& w, const RopeV4& rope, LayerStateV4& st, const float* x,
                  int64_t T, int64_t pos0, float* out, int layer, TraceV4* trace, bool official) {
  const int64_t H = c.num_attention_heads, D = c.head_dim, QL = c.q_lora_rank, HD = H * D;
  const bool pow2 = c.ue8m0();
  const int64_t Wn = c.sliding_window;
  const float eps = static_cast<float>(c.rms_norm_eps);
  // Queries.
  std::vector<float> qr(T * QL), q(T * HD);
  std::vector<float> kv(T * D);
  if (official) {
    // Attention.forward in bf16: act_quant before wq_a / wq_b / wkv, bf16 outputs and norms, the
    // per-head q norm in bf16 arithmetic, RoPE outputs bf16, the kv nope dims FP8-simulated (64).
    linear_official(x, T, w.wq_a, qr.data(), pow2);
    rmsnorm(qr.data(), T, QL, w.q_norm.data(), eps, qr.data());
    round_bf16(qr.data(), T * QL);
    linear_official(qr.data(), T, w.wq_b, q.data(), pow2);
    rms_rows_bf16(q.data(), T * H, D, c.rms_norm_eps);
    for (int64_t t = 0; t < T; ++t) rope.apply(q.data() + t * HD, H, D, pos0 + t);
    round_bf16(q.data(), T * HD);
    linear_official(x, T, w.wkv, kv.data(), pow2);
    rmsnorm(kv.data(), T, D, w.kv_norm.data(), eps, kv.data());
    round_bf16(kv.data(), T * D);
    for (int64_t t = 0; t < T; ++t) rope.apply(kv.data() + t * D, 1, D, pos0 + t);
    round_bf16(kv.data(), T * D);
    kv_nope_fp8_sim(kv.data(), T, D, D - rope.rope_dim, pow2);
  } else {
    linear_v4(x, T, w.wq_a, qr.data());
    rmsnorm(qr.data(), T, QL, w.q_norm.data(), eps, qr.data());
    linear_v4(qr.data(), T, w.wq_b, q.data());
    rms_rows(q.data(), T * H, D, c.rms_norm_eps);
    for (int64_t t = 0; t < T; ++t) rope.apply(q.data() + t * HD, H, D, pos0 + t);
    // This chunk's kv rows, then the window keys: the ring's rows still in reach, then the chunk's.
    linear_v4(x, T, w.wkv, kv.data());
    rmsnorm(kv.data(), T, D, w.kv_norm.data(), eps, kv.data());
    for (int64_t t = 0; t < T; ++t) rope.apply(kv.data() + t * D, 1, D, pos0 + t);
  }
  const int64_t first = std::max<int64_t>(0, pos0 - Wn + 1), n_old = pos0 - first;
  std::vector<float> keys((n_old + T) * D);
  for (int64_t p = first; p < pos0; ++p)
    std::copy_n(st.win_kv.data() + (p % Wn) * D, D, keys.data() + (p - first) * D);
  std::copy(kv.begin(), kv.end(), keys.begin() + n_old * D);
  // Compressed entries (this chunk's completed blocks first: a query sees its own block's entry).
  std::vector<std::vector<int32_t>> sel(T);
  if (w.has_compressor) {
    const size_t before = st.comp.size();
    compress_step(c, w.compressor, rope, false, st.comp_state, x, T, pos0, st.comp, official);
    if (trace)
      trace->append("layer" + std::to_string(layer) + ".compressed_kv", st.comp.data() + before,
                    st.comp.data() + st.comp.size());
    if (w.has_indexer) {
      const size_t ib = st.idx_keys.size();
      const int64_t jb = st.idx_fp4.size();
      Fp4Keys* fp4 = st.idx_fp4.dim() > 0 ? &st.idx_fp4 : nullptr;
      if (fp4 && !official) throw Error("attention_v4: FP4 indexer keys are for the official numerics only");
      compress_step(c, w.idx_compressor, rope, true, st.idx_state, x, T, pos0, st.idx_keys, official, fp4);
      if (trace && fp4) {
        std::vector<float> k((st.idx_fp4.size() - jb) * c.index_head_dim);
        for (int64_t j = jb; j < st.idx_fp4.size(); ++j) st.idx_fp4.decode(j, k.data() + (j - jb) * c.index_head_dim);
        trace->append("layer" + std::to_string(layer) + ".index_keys", k.data(), k.data() + k.size());
      } else if (trace) {
        trace->append("layer" + std::to_string(layer) + ".index_keys", st.idx_keys.data() + ib,
                      st.idx_keys.data() + st.idx_keys.size());
      }
    }
    sel = select_entries(c, w, rope, st, x, qr.data(), T, pos0, layer, trace, official);
  }
  // Sink attention. K = V is one shared row a key (MQA), so a token's heads score and sum its
  // keys as two products a tile of keys: S = q K^T [H, n], o += P K [H, D], with the running
  // max and denominator of an online softmax; the scratch is a few tiles, whatever the context.
  std::vector<float> o(T * HD);
  const float scale = static_cast<float>(c.softmax_scale());
  constexpr int64_t kKeyTile = 256;
  // Official: the reference kernel's (sparse_attn_kernel) tiles of 64 keys, whose probabilities
  // enter the P V product rounded to bf16 (relative to the running max; the denominator sums the
  // fp32 values), and a bf16 output.
  const int64_t key_tile = official ? 64 : kKeyTile;
#pragma omp parallel for schedule(dynamic) if (T > 1)
  for (int64_t t = 0; t < T; ++t) {
    const int64_t pos = pos0 + t;
    const int64_t lo = std::max<int64_t>(0, pos - Wn + 1) - first, hi = pos - first;  // window keys [lo, hi]
    const std::vector<int32_t>& s = sel[t];
    const int64_t nw = hi - lo + 1, n = nw + static_cast<int64_t>(s.size());
    auto key = [&](int64_t k) {
      return k < nw ? keys.data() + (lo + k) * D : st.comp.data() + static_cast<int64_t>(s[k - nw]) * D;
    };
    thread_local std::vector<float> kt, ktt, sc, ot;
    kt.resize(kKeyTile * D);
    ktt.resize(kKeyTile * D);
    sc.resize(H * kKeyTile);
    ot.resize(HD);
    float* oh = o.data() + t * HD;
    std::vector<float> m(w.attn_sink.begin(), w.attn_sink.end());
    std::vector<double> den(H, 1.0);  // e^(sink - m) with m = sink
    for (int64_t k0 = 0; k0 < n; k0 += key_tile) {
      const int64_t nk = std::min(key_tile, n - k0);
      for (int64_t k = 0; k < nk; ++k) {
        const float* src = key(k0 + k);
        std::copy_n(src, D, kt.data() + k * D);
        for (int64_t d = 0; d < D; ++d) ktt[d * nk + k] = src[d];
      }
      linear_v4(q.data() + t * HD, H, f32_matrix(kt.data(), nk, D), sc.data());
      for (int64_t h = 0; h < H; ++h) {
        float* row = sc.data() + h * nk;
        float mt = m[h];
        for (int64_t k = 0; k < nk; ++k) mt = std::max(mt, row[k] *= scale);
        if (mt > m[h]) {  // rescale what was summed under the old max
          const float f = std::exp(m[h] - mt);
          den[h] *= f;
          for (int64_t d = 0; d < D; ++d) oh[h * D + d] *= f;
          m[h] = mt;
        }
        double sum = 0;
        if (official) {
          for (int64_t k = 0; k < nk; ++k) {
            const float e = std::exp(row[k] - mt);
            sum += e;
            row[k] = bf16_round(e);
          }
        } else {
          for (int64_t k = 0; k < nk; ++k) sum += (row[k] = std::exp(row[k] - mt));
        }
        den[h] += sum;
      }
      linear_v4(sc.data(), H, f32_matrix(ktt.data(), D, nk), ot.data());
      for (int64_t i = 0; i < HD; ++i) oh[i] += ot[i];
    }
    if (official) {
      for (int64_t h = 0; h < H; ++h) {
        const float dn = static_cast<float>(den[h]);
        for (int64_t d = 0; d < D; ++d) oh[h * D + d] = bf16_round(oh[h * D + d] / dn);
      }
      continue;
    }
    for (int64_t h = 0; h < H; ++h) {
      const float inv = static_cast<float>(1.0 / den[h]);
      for (int64_t d = 0; d < D; ++d) oh[h * D + d] *= inv;
    }
  }
  // The window ring keeps the last Wn positions.
  for (int64_t t = std::max<int64_t>(0, T - Wn); t < T; ++t)
    std::copy_n(kv.data() + t * D, D, st.win_kv.data() + ((pos0 + t) % Wn) * D);
  // Output: de-rotate, grouped wo_a, wo_b.
  for (int64_t t = 0; t < T; ++t) rope.apply(o.data() + t * HD, H, D, pos0 + t, /*inverse=*/true);
  if (official) round_bf16(o.data(), T * HD);
  const int64_t G = c.o_groups, R = c.o_lora_rank, GW = HD / G;
  std::vector<float> og(T * GW), yg(T * R), oa(T * G * R);
  for (int64_t g = 0; g < G; ++g) {
    for (int64_t t = 0; t < T; ++t) std::copy_n(o.data() + t * HD + g * GW, GW, og.data() + t * GW);
    // wo_a: the reference converts it to bf16 and runs a bf16 einsum — no act_quant (trap 9),
    // bf16 output.
    linear_v4(og.data(), T, w.wo_a, yg.data(), g * R, R);
    if (official) round_bf16(yg.data(), T * R);
    for (int64_t t = 0; t < T; ++t) std::copy_n(yg.data() + t * R, R, oa.data() + t * G * R + g * R);
  }
  if (official)
    linear_official(oa.data(), T, w.wo_b, out, pow2);
  else
    linear_v4(oa.data(), T, w.wo_b, out);
}

}  // namespace dseek
