// DeepSeek-V4 MoE of a chunk of tokens: routed experts (FP4 in the real checkpoints) plus one
// shared expert, every layer (V4 has no dense FFN).
//   s = sqrt(softplus(gate x))                                     [T, experts]
//   experts: tid2eid[token] (hash layers) or top-k of s + bias (score layers; ties -> lower id)
//   weight_e = s_e / sum over the chosen s * routed_scaling_factor  (unbiased scores, trap 12)
//   expert(x) = w2(weight * silu(min(w1 x, L)) * clamp(w3 x, -L, L)),  L = swiglu_limit
//   out = sum_e expert_e(x) + shared(x)   (shared: no weight, clamped likewise)
// Source: oracle-v4 dsv4_ref.py `moe`, `swiglu`; REPORT.md traps 12, 13.
#pragma once
#include <cstdint>

#include "model_v4/config_v4.h"
#include "model_v4/trace_v4.h"
#include "model_v4/weights_v4.h"

namespace dseek {

// x [T, hidden] fp32 (ffn_norm output), tokens [T] (their ids, for hash routing) -> out [T, hidden].
// Throws dseek::Error for a token id outside the tid2eid table.
// official: router in fp32 (as exact), experts with FP8 act_quant before each FP8 / FP4 linear and
// bf16 linear outputs, the routed outputs summed in fp32 in expert order, then the shared expert's
// (model.py `MoE.forward`); the caller rounds out to bf16 (y.type_as(x)).
void moe_v4(const ConfigV4& c, const FfnWeightsV4& w, const float* x, const int32_t* tokens, int64_t T, float* out,
            int layer, TraceV4* trace, bool official = false);

// The clamped SwiGLU expert on rows x [T, hidden] with a weight per row (null: 1) -> y [T, hidden].
// official: w1 / w3 outputs bf16, silu(g) * u * weight in fp32 rounded to bf16 before w2
// (model.py `Expert.forward`), w2's output bf16.
void expert_v4(const ConfigV4& c, const ExpertWeightsV4& e, const float* x, int64_t T, const float* row_weight,
               float* y, bool official = false);

}  // namespace dseek
