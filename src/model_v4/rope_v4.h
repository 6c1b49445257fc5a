// RoPE of DeepSeek-V4: per-layer frequency tables and the interleaved rotation of the last
// qk_rope_head_dim dims of a vector, with its inverse (the attention output's de-rotation).
//   compress_ratio == 0 (window layers): base rope_theta, no YaRN.
//   compress_ratio  > 0 (CSA / HCA):     base compress_rope_theta with the YaRN frequency blend
//                                        (when rope_scaling is yarn) — for q, window kv,
//                                        compressed entries, indexer q/k and the de-rotation.
// No YaRN attention factor: cos/sin are unscaled.
// Source: oracle-v4 dsv4_ref.py `inv_freqs`, `rope`; oracle-v4 REPORT.md traps 4-6.
#pragma once
#include <cstdint>
#include <vector>

#include "model_v4/config_v4.h"

namespace dseek {

struct RopeV4 {
  int rope_dim = 0;              // rotated dims (qk_rope_head_dim), even
  std::vector<double> inv_freq;  // [rope_dim / 2], radians per position, float64

  // The table of layer `layer` (trunk or MTP): for_ratio(c, c.compress_ratio(layer)).
  // Throws std::out_of_range for a layer outside compress_ratios.
  static RopeV4 for_layer(const ConfigV4& c, int layer);
  // The table of any layer with compression ratio `ratio`:
  //   f_i = base^(-2i / rope_dim), i < rope_dim / 2; for ratio > 0 under YaRN, with
  //   corr(n) = rope_dim * ln(orig / (2 pi n)) / (2 ln base), lo = max(floor(corr(beta_fast)), 0),
  //   hi = min(ceil(corr(beta_slow)), rope_dim - 1) (hi += 0.001 when equal),
  //   ramp_i = clamp((i - lo) / (hi - lo), 0, 1): f_i = f_i / factor * ramp_i + f_i * (1 - ramp_i).
  static RopeV4 for_ratio(const ConfigV4& c, int ratio);

  // Rotates, in place, the last rope_dim values of each of `count` vectors of `dim` fp32 values
  // (contiguous, vector v at x + v * dim; dim >= rope_dim) by the angles position * inv_freq:
  // pairs (2i, 2i+1) of the rotated part -> (a cos - b sin, a sin + b cos). inverse: the
  // conjugate rotation (angle negated). Angles, cos and sin in float64; results rounded to fp32.
  void apply(float* x, int64_t count, int64_t dim, int64_t position, bool inverse = false) const;
};

}  // namespace dseek
