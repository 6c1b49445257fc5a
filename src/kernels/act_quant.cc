#include "kernels/act_quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/numeric.h"

namespace dseek {

void act_quant_row(const float* x, int64_t n, bool pow2_scale, float* q, float* scales) {
  act_quant_row_block(x, n, 128, pow2_scale, q, scales);
}

void act_quant_row_block(const float* x, int64_t n, int64_t block, bool pow2_scale, float* q, float* scales) {
  const float inv448 = 1.0f / 448.0f;  // fp32 constant, as the kernel computes amax * (1/448)
  for (int64_t b = 0, c0 = 0; c0 < n; ++b, c0 += block) {
    const int64_t len = std::min<int64_t>(block, n - c0);
    float amax = 0.0f;
    for (int64_t i = 0; i < len; ++i) amax = std::max(amax, std::fabs(x[c0 + i]));
    amax = std::max(amax, 1e-4f);
    float s = amax * inv448;
    if (pow2_scale) s = pow2_ceil(s);
    scales[b] = s;
    for (int64_t i = 0; i < len; ++i) {
      float v = std::clamp(x[c0 + i] / s, -448.0f, 448.0f);
      q[c0 + i] = e4m3_round(v);
    }
  }
}

void act_qdq(float* x, int64_t T, int64_t n, bool pow2_scale) { act_qdq_block(x, T, n, 128, pow2_scale); }

void act_qdq_block(float* x, int64_t T, int64_t n, int64_t block, bool pow2_scale) {
  std::vector<float> q(n), s((n + block - 1) / block);
  for (int64_t t = 0; t < T; ++t) {
    float* r = x + t * n;
    act_quant_row_block(r, n, block, pow2_scale, q.data(), s.data());
    for (int64_t i = 0; i < n; ++i) r[i] = q[i] * s[i / block];
  }
}

}  // namespace dseek
