// What a DeepSeek-V4 checkpoint costs: its weights by class (parameters, bytes, dtypes, and what
// one decoded token reads) and the per-sequence state (StateV4) by layer, per token and at a
// given context length. `dseek inspect` prints these; nothing here reads weight bytes.
// Source: fixtures-v4/README.md "Checkpoint tensors"; StateV4 (state_v4.h) for the state layout.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model_v4/config_v4.h"
#include "model_v4/tensor_specs_v4.h"

namespace dseek {

// ---- Weights -------------------------------------------------------------------------------

enum class WeightClassV4 {
  kEmbedHead,          // embed.weight, head.weight
  kAttention,          // layers.L.attn.{wq_a,wq_b,wkv,wo_a,wo_b,q_norm,kv_norm,attn_sink}
  kCompressorIndexer,  // layers.L.attn.compressor.*, layers.L.attn.indexer.*
  kRouter,             // layers.L.ffn.gate.{weight,bias,tid2eid}
  kSharedExperts,      // layers.L.ffn.shared_experts.*
  kRoutedExperts,      // layers.L.ffn.experts.E.*
  kHc,                 // hc_head_*, layers.L.hc_{attn,ffn}_*
  kNorms,              // norm.weight, layers.L.{attn,ffn}_norm.weight
  kMtp,                // mtp.* (the whole MTP block: the draft, not read by a trunk step)
  kOther,              // anything else the checkpoint holds (bind ignores it)
};
inline constexpr int kWeightClassesV4 = 10;
// "attention", "compressor+indexer", ... (stable: the JSON keys of `inspect --json`).
const char* weight_class_name(WeightClassV4 k);
WeightClassV4 weight_class_v4(const std::string& tensor_name);

struct WeightClassPlanV4 {
  int64_t tensors = 0;
  int64_t params = 0;          // weights' elements (packed FP4 I8: two a byte); quantisation scales
                               // and tid2eid tables excluded (ModelWeightsV4::n_params counts the same)
  int64_t bytes = 0;           // weights + their scales, as stored
  double active_params = 0;    // what one decoded token reads (see WeightPlanV4)
  double active_bytes = 0;
  std::map<std::string, int64_t> bytes_by_dtype;  // "F8_E4M3", "I8", "F8_E8M0", "BF16", ...
};

// Weights by class. Active (one decoded token of the trunk): every trunk tensor whole, except
// the routed experts (num_experts_per_tok of n_routed_experts a layer: that fraction), the
// embedding and tid2eid tables (one row of vocab_size) and the MTP block (none; `mtp_bytes`).
struct WeightPlanV4 {
  std::array<WeightClassPlanV4, kWeightClassesV4> classes{};
  int64_t tensors = 0, params = 0, bytes = 0;
  double active_params = 0, active_bytes = 0;
  const WeightClassPlanV4& of(WeightClassV4 k) const { return classes[static_cast<int>(k)]; }
};
WeightPlanV4 weight_plan_v4(const ConfigV4& c, const std::vector<TensorSpecV4>& tensors);

// ---- Per-sequence state ----------------------------------------------------------------------

// One attention layer's share of StateV4 (values are elements; bytes depend on the numerics).
struct LayerStatePlanV4 {
  int layer = 0;            // trunk 0.., MTP block i: num_hidden_layers + i
  bool mtp = false;
  AttnKindV4 kind = AttnKindV4::kWindow;
  int ratio = 0;            // compress_ratios[layer]
  int64_t window_values = 0;     // the window ring: sliding_window x head_dim, allocated whole
  int64_t entry_values = 0;      // head_dim a compressed entry (0: window-only layer)
  int64_t index_key_values = 0;  // index_head_dim an entry (CSA), else 0
  int64_t carry_values = 0;      // compressors' partial-block carry at its largest (always fp32):
                                 // a and g rows of ratio - 1 tokens, + the previous block for ratio 4
  // Compressed entries after n tokens: floor(n / ratio) (0 for window-only layers).
  int64_t entries_at(int64_t n) const { return ratio > 0 ? n / ratio : 0; }
  // Cache values after n tokens: ring + entries x (entry + index key). Carries excluded.
  int64_t cache_values_at(int64_t n) const { return window_values + entries_at(n) * (entry_values + index_key_values); }
  // Growth a token, in values: (entry + index key) / ratio.
  double values_per_token() const { return ratio > 0 ? double(entry_values + index_key_values) / ratio : 0.0; }
};

// The state of one sequence. Cache element size: 4 (fp32, `exact` numerics) or 2 (bf16,
// `official`); the compressors' carries stay fp32 in both.
struct StatePlanV4 {
  std::vector<LayerStatePlanV4> layers;  // trunk then MTP blocks
  // Bytes after n tokens, every layer (MTP included when with_mtp).
  int64_t bytes_at(int64_t n, int elem_bytes, bool with_mtp = true) const;
  // The fixed part: rings (elem_bytes) + carries (fp32).
  int64_t fixed_bytes(int elem_bytes, bool with_mtp = true) const;
  // Marginal bytes a token (compressed entries and indexer keys), averaged over each ratio.
  double bytes_per_token(int elem_bytes, bool with_mtp = true) const;
  // What StateV4::bytes() can report for an engine sequence that has been fed n tokens, as the
  // state stores it: rings, compressed entries and indexer keys in fp32 — CSA keys as FP4
  // records of kFp4Group keys when fp4_index_keys (the official numerics) — and every
  // compressor's carry at its largest. The MTP block, which the engine does not run, holds only
  // its ring and carries. An upper bound, above the state's bytes by the carries' unfilled rows
  // only (fewer than `ratio` rows a compressor); what a state budget reserves (engine/state_budget.h).
  int64_t sequence_bytes_at(int64_t n, bool fp4_index_keys) const;
};
StatePlanV4 state_plan_v4(const ConfigV4& c);

}  // namespace dseek
