// DeepSeek-V4 attention of one sequence's chunk of tokens (prefill chunk or a decode step):
//   q  = RoPE(headRMS(wq_b RMSNorm(wq_a x)))                       [T, heads, head_dim]
//   kv = RoPE(RMSNorm(wkv x))                                      [T, head_dim]  (K = V)
//   keys of query t: the window (positions t - sliding_window < p <= t) plus, by ratio,
//     nothing (0), the indexer's top-k of the visible compressed entries (CSA, ratio 4), or
//     every visible compressed entry (HCA); entry j is visible iff j < (t + 1) / ratio
//   o  = sum_k e^{s_k} v_k / (sum_k e^{s_k} + e^{sink_h}),  s_k = q . k_k / sqrt(head_dim)
//   out = wo_b(concat_g wo_a[g](invRoPE(o)[heads of group g]))
// RoPE on the last qk_rope_head_dim dims (interleaved pairs) at the token's position with the
// layer's table (rope_v4.h). Lightning indexer: score[t, j] = sum_h w[t, h] relu(qi[t, h] . k_j),
// w = weights_proj x * (index_head_dim * index_n_heads)^-0.5, qi = Hadamard(RoPE(wq_b_idx qr)).
// Source: oracle-v4 dsv4_ref.py `query`, `window_kv`, `index_scores`, `topk_select`,
// `sink_attention`, `attn_output`, `Session.attn_step`; REPORT.md traps 2, 5-9.
#pragma once
#include <cstdint>

#include "model_v4/config_v4.h"
#include "model_v4/rope_v4.h"
#include "model_v4/state_v4.h"
#include "model_v4/trace_v4.h"
#include "model_v4/weights_v4.h"

namespace dseek {

// x [T, hidden] fp32 (attn_norm output) of tokens at positions pos0 .. pos0 + T - 1 continuing
// st (whose window ring and compressors it advances); out [T, hidden] fp32. `layer` tags traces.
// official: DeepSeek's serving numerics (numerics_v4.h) — x is bf16-valued, out is rounded to
// bf16, the window kv and compressed entries are stored bf16 with their nope dims FP8-simulated.
void attention_v4(const ConfigV4& c, const AttnWeightsV4& w, const RopeV4& rope, LayerStateV4& st, const float* x,
                  int64_t T, int64_t pos0, float* out, int layer, TraceV4* trace, bool official = false);

}  // namespace dseek
