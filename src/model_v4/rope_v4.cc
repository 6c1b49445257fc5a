#include "model_v4/rope_v4.h"

#include <algorithm>
#include <cmath>

namespace dseek {

RopeV4 RopeV4::for_layer(const ConfigV4& c, int layer) { return for_ratio(c, c.compress_ratio(layer)); }

RopeV4 RopeV4::for_ratio(const ConfigV4& c, int ratio) {
  RopeV4 r;
  r.rope_dim = c.qk_rope_head_dim;
  const int dim = r.rope_dim;
  const double base = ratio ? c.compress_rope_theta : c.rope_theta;
  r.inv_freq.resize(dim / 2);
  for (int i = 0; i < dim / 2; ++i) r.inv_freq[i] = 1.0 / std::pow(base, (2.0 * i) / dim);
  if (ratio == 0 || !c.yarn || c.rope_original_max_position <= 0) return r;
  auto corr_dim = [&](double n_rot) {
    return dim * std::log(c.rope_original_max_position / (n_rot * 2 * M_PI)) / (2 * std::log(base));
  };
  const double lo = std::max(std::floor(corr_dim(c.rope_beta_fast)), 0.0);
  double hi = std::min(std::ceil(corr_dim(c.rope_beta_slow)), static_cast<double>(dim - 1));
  if (lo == hi) hi += 0.001;
  for (int i = 0; i < dim / 2; ++i) {
    const double ramp = std::clamp((i - lo) / (hi - lo), 0.0, 1.0);
    r.inv_freq[i] = r.inv_freq[i] / c.rope_factor * ramp + r.inv_freq[i] * (1.0 - ramp);
  }
  return r;
}

void RopeV4::apply(float* x, int64_t count, int64_t dim, int64_t position, bool inverse) const {
  const int64_t half = static_cast<int64_t>(inv_freq.size());
  double cs[256], sn[256];  // cos / sin of 256 frequencies at a time (one pass for rope_dim <= 512)
  for (int64_t i0 = 0; i0 < half; i0 += 256) {
    const int64_t n = std::min<int64_t>(256, half - i0);
    for (int64_t i = 0; i < n; ++i) {
      const double ang = static_cast<double>(position) * inv_freq[i0 + i];
      cs[i] = std::cos(ang);
      sn[i] = inverse ? -std::sin(ang) : std::sin(ang);
    }
    for (int64_t v = 0; v < count; ++v) {
      float* p = x + v * dim + (dim - 2 * half) + 2 * i0;
      for (int64_t i = 0; i < n; ++i) {
        const double a = p[2 * i], b = p[2 * i + 1];
        p[2 * i] = static_cast<float>(a * cs[i] - b * sn[i]);
        p[2 * i + 1] = static_cast<float>(a * sn[i] + b * cs[i]);
      }
    }
  }
}

}  // namespace dseek
