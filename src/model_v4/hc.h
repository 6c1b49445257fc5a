// Hyper-connections (mHC) of DeepSeek-V4: the residual is n = hc_mult streams of hidden_size
// values a token. Each sublayer (attention, MoE) reads one weighted sum of the streams (pre) and
// writes its output back into every stream (post) after mixing the streams through a
// Sinkhorn-normalised n x n matrix (comb). The model's head reads the streams through pre only.
//
// Layout: streams X [T, n, d] fp32 row-major (stream k of token t at X + (t * n + k) * d).
// Per sublayer:  mixes = hc_mixes(X, hc_*_fn);  (pre, post, comb) = hc_split(mixes, scale, base)
//                h = hc_collapse(X, pre) -> norm -> sublayer -> o;  X' = hc_expand(o, X, post, comb).
// Source: oracle-v4 dsv4_ref.py `hc_mix`, `hc_collapse`, `hc_expand`, `hc_head`; REPORT.md trap 10.
#pragma once
#include <cstdint>

#include "kernels/matrix.h"
#include "model_v4/config_v4.h"

namespace dseek {

// mixes[t, :] = (fn . X_t) * (mean(X_t^2) + rms_norm_eps)^-0.5, X_t = token t's n * d values.
// fn: the F32 [m, n * d] hc_{attn,ffn}_fn (m = (2 + n) * n) or hc_head_fn (m = n); mixes [T, m].
// Throws dseek::Error naming fn when fn.cols != n * d.
void hc_mixes(const ConfigV4& c, const float* X, int64_t T, int64_t d, const Matrix& fn, float* mixes);

// A sublayer's mixes [T, (2 + n) * n] -> pre [T, n], post [T, n], comb [T, n, n], with the
// sublayer's hc_*_scale [3] and hc_*_base [(2 + n) * n] (all fp32):
//   pre[k]     = sigmoid(mix[k] * scale[0] + base[k]) + hc_eps
//   post[k]    = 2 * sigmoid(mix[n + k] * scale[1] + base[n + k])
//   comb[j][k] = softmax over k of (mix[2n + j n + k] * scale[2] + base[2n + j n + k]), + hc_eps,
//                then Sinkhorn: divide each column by (its sum + hc_eps), then hc_sinkhorn_iters - 1
//                times rows then columns likewise. comb[j][k]: weight of stream j in new stream k.
// Computed in float64, stored as fp32.
void hc_split(const ConfigV4& c, const float* mixes, int64_t T, const float* scale, const float* base,
              float* pre, float* post, float* comb);

// The head's pre-weights: mixes [T, n] of hc_head_fn, hc_head_scale [1], hc_head_base [n] ->
// pre[t, k] = sigmoid(mix[t, k] * scale[0] + base[k]) + hc_eps, [T, n].
void hc_head_pre(const ConfigV4& c, const float* mixes, int64_t T, const float* scale, const float* base,
                 float* pre);

// out[t] = sum_k pre[t, k] * X[t, k]: X [T, n, d], pre [T, n] -> out [T, d].
void hc_collapse(const float* X, int64_t T, int n, int64_t d, const float* pre, float* out);

// X_out[t, k] = post[t, k] * o[t] + sum_j comb[t, j, k] * X[t, j]: o [T, d], X and X_out
// [T, n, d] (X_out must not overlap X), post [T, n], comb [T, n, n].
void hc_expand(const float* o, const float* X, int64_t T, int n, int64_t d, const float* post,
               const float* comb, float* X_out);

}  // namespace dseek
