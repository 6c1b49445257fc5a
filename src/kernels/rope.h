// Rotary position embedding with DeepSeek's YaRN frequency correction.
// Source: DeepSeek-V3 model.py `precompute_freqs_cis` / HF DeepseekV3 YaRN; oracle
// Config.rope_inv_freq and REPORT.md trap 2.
#pragma once
#include <cstdint>
#include <vector>

#include "weights/config.h"

namespace dseek {

struct Rope {
  std::vector<double> inv_freq;  // [rope_dim / 2], YaRN-corrected
  double attn_factor = 1.0;      // cos/sin multiplier (1.0 for every released config)

  static Rope from_config(const ModelConfig& c);
  // Rotates x [rope_dim] at `position`. interleaved: pairs (2i, 2i+1) (MLA q_pe/k_pe);
  // otherwise pairs (i, i + rope_dim/2) (the indexer, NeoX style).
  void apply(float* x, int64_t position, bool interleaved) const;
};

// MLA softmax scale: (qk_nope + qk_rope)^-0.5, times mscale(factor, mscale_all_dim)^2
// under YaRN with mscale(f, m) = 0.1 * m * ln(f) + 1.
double mla_softmax_scale(const ModelConfig& c);

}  // namespace dseek
