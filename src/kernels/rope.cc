#include "kernels/rope.h"

#include <algorithm>
#include <cmath>

namespace dseek {

namespace {
double yarn_mscale(double scale, double m) { return scale <= 1 ? 1.0 : 0.1 * m * std::log(scale) + 1.0; }
}  // namespace

Rope Rope::from_config(const ModelConfig& c) {
  Rope r;
  const int dim = c.qk_rope_head_dim;
  const double base = c.rope_theta;
  r.inv_freq.resize(dim / 2);
  for (int i = 0; i < dim / 2; ++i) r.inv_freq[i] = 1.0 / std::pow(base, (2.0 * i) / dim);
  if (c.rope_factor > 0) {
    const double factor = c.rope_factor, orig = c.rope_original_max_position;
    auto corr_dim = [&](double n_rot) {
      return dim * std::log(orig / (n_rot * 2 * M_PI)) / (2 * std::log(base));
    };
    double low = std::max(std::floor(corr_dim(c.rope_beta_fast)), 0.0);
    double high = std::min(std::ceil(corr_dim(c.rope_beta_slow)), static_cast<double>(dim - 1));
    if (low == high) high += 0.001;
    for (int i = 0; i < dim / 2; ++i) {
      double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
      double keep = 1.0 - ramp;
      r.inv_freq[i] = r.inv_freq[i] / factor * (1.0 - keep) + r.inv_freq[i] * keep;
    }
    r.attn_factor = yarn_mscale(factor, c.rope_mscale) / yarn_mscale(factor, c.rope_mscale_all_dim);
  }
  return r;
}

void Rope::apply(float* x, int64_t position, bool interleaved) const {
  const int64_t half = static_cast<int64_t>(inv_freq.size());
  for (int64_t i = 0; i < half; ++i) {
    const double ang = static_cast<double>(position) * inv_freq[i];
    const float c = static_cast<float>(std::cos(ang) * attn_factor);
    const float s = static_cast<float>(std::sin(ang) * attn_factor);
    float* a = interleaved ? x + 2 * i : x + i;
    float* b = interleaved ? x + 2 * i + 1 : x + i + half;
    const float xa = *a, xb = *b;
    *a = xa * c - xb * s;
    *b = xa * s + xb * c;
  }
}

double mla_softmax_scale(const ModelConfig& c) {
  double s = 1.0 / std::sqrt(static_cast<double>(c.qk_head_dim()));
  if (c.rope_factor > 0 && c.rope_mscale_all_dim != 0) {
    double m = yarn_mscale(c.rope_factor, c.rope_mscale_all_dim);
    s *= m * m;
  }
  return s;
}

}  // namespace dseek
