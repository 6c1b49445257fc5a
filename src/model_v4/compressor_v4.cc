#include "model_v4/compressor_v4.h"

#include <algorithm>
#include <cmath>

#include "kernels/linear.h"
#include "kernels/ops.h"
#include "model_v4/hadamard_v4.h"
#include "model_v4/linear_v4.h"
#include "model_v4/numerics_v4.h"

namespace dseek {

namespace {

// entry[ch] = sum over the slots of softmax(g)[ch] * a[ch]; slots given as (a, g) row pointers.
void pool(const std::vector<const float*>& a, const std::vector<const float*>& g, int64_t dim, float* out) {
  const size_t S = a.size();
  for (int64_t ch = 0; ch < dim; ++ch) {
    double m = -INFINITY;
    for (size_t s = 0; s < S; ++s) m = std::max(m, static_cast<double>(g[s][ch]));
    double num = 0, den = 0;
    for (size_t s = 0; s < S; ++s) {
      const double e = std::exp(static_cast<double>(g[s][ch]) - m);  // -inf slots: 0
      den += e;
      num += e * a[s][ch];
    }
    out[ch] = static_cast<float>(num / den);
  }
}

}  // namespace

int64_t compress_step(const ConfigV4& c, const CompressorWeightsV4& w, const RopeV4& rope, bool rotate,
                      CompressorStateV4& st, const float* x, int64_t T, int64_t pos0, std::vector<float>& entries,
                      bool official, Fp4Keys* fp4) {
  const int64_t W = w.width, D = w.dim, r = st.ratio;
  std::vector<float> a(T * W), g(T * W);
  linear_v4(x, T, w.wkv, a.data());
  linear_v4(x, T, w.wgate, g.data());
  int64_t made = 0;
  std::vector<float> e(D);
  for (int64_t i = 0; i < T; ++i) {
    const int64_t pos = pos0 + i;
    const float* ape = w.ape.data() + (pos % r) * W;
    for (int64_t ch = 0; ch < W; ++ch) g[i * W + ch] += ape[ch];
    st.a_cur.insert(st.a_cur.end(), a.begin() + i * W, a.begin() + (i + 1) * W);
    st.g_cur.insert(st.g_cur.end(), g.begin() + i * W, g.begin() + (i + 1) * W);
    if ((pos + 1) % r != 0) continue;
    std::vector<const float*> sa, sg;
    if (r == 4) {  // overlap: previous block's first D channels, this block's last D
      for (int64_t s = 0; s < r; ++s) {
        sa.push_back(st.a_prev.data() + s * W);
        sg.push_back(st.g_prev.data() + s * W);
      }
      for (int64_t s = 0; s < r; ++s) {
        sa.push_back(st.a_cur.data() + s * W + D);
        sg.push_back(st.g_cur.data() + s * W + D);
      }
    } else {
      for (int64_t s = 0; s < r; ++s) {
        sa.push_back(st.a_cur.data() + s * W);
        sg.push_back(st.g_cur.data() + s * W);
      }
    }
    pool(sa, sg, D, e.data());
    if (official) {  // Compressor.forward: norm(kv.to(bf16)), RoPE, then the Hadamard + FP4 or the FP8 sim
      round_bf16(e.data(), D);
      rmsnorm(e.data(), 1, D, w.norm.data(), static_cast<float>(c.rms_norm_eps), e.data());
      round_bf16(e.data(), D);
      rope.apply(e.data(), 1, D, (pos / r) * r);
      round_bf16(e.data(), D);
      if (rotate) {
        indexer_hadamard(e.data(), 1, D);
        round_bf16(e.data(), D);
        if (!fp4) fp4_act_qdq(e.data(), 1, D);  // else the same simulation as codes, below
      } else {
        kv_nope_fp8_sim(e.data(), 1, D, D - rope.rope_dim, c.ue8m0());
      }
    } else {
      rmsnorm(e.data(), 1, D, w.norm.data(), static_cast<float>(c.rms_norm_eps), e.data());
      rope.apply(e.data(), 1, D, (pos / r) * r);
      if (rotate) indexer_hadamard(e.data(), 1, D);
    }
    if (fp4 && official && rotate)
      fp4->append_quantized(e.data());
    else
      entries.insert(entries.end(), e.begin(), e.end());
    ++made;
    if (r == 4) {
      st.a_prev.swap(st.a_cur);
      st.g_prev.swap(st.g_cur);
    }
    st.a_cur.clear();
    st.g_cur.clear();
  }
  return made;
}

}  // namespace dseek
