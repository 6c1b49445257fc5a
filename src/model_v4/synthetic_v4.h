// Synthetic DeepSeek-V4 models: random weights in the exact checkpoint layout of V4-Flash
// (tensor_specs_v4.h), built in memory, and caches filled as if a long prompt had been read —
// for benchmarks at the real shapes and context lengths without the 149 GB download.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "model_v4/config_v4.h"
#include "model_v4/state_v4.h"
#include "weights/checkpoint.h"

namespace dseek {

// The real DeepSeek-V4-Flash config.json (43 layers + MTP, hidden 4096, 64 heads x 512,
// window 128, ratios 4/128, 256 FP4 experts, 6 a token), as data.
ConfigV4 real_flash_config();

// Two layers with the real Flash shapes: layer 0 CSA (ratio 4, indexer top-512), layer 1 HCA
// (ratio 128), both score-routed over `experts` FP4 experts (6 a token), no MTP, a
// `vocab`-row embedding and head. name: "v4-flash-layer". Throws dseek::Error for experts
// outside 6..256.
ConfigV4 flash_layer_config(int experts, int vocab = 256);

// Random weights for every tensor of c: FP8 codes (no NaN) with E8M0 block scales 2^-8, FP4
// codes with per-32 scales 2^-8, unit norms, small BF16 / F32 matrices, zero sinks / ape /
// biases, distinct tid2eid rows. Deterministic for a seed.
std::unique_ptr<Checkpoint> synthetic_checkpoint_v4(const ConfigV4& c, uint64_t seed, const std::string& label);

// Fills st (fresh) as if `length` tokens had been read: random unit-scale window rows,
// compressed entries and indexer keys for every complete block (FP4-quantised when
// st.fp4_index_keys), partial compressor blocks; st.pos = length.
void fill_state_random(const ConfigV4& c, StateV4& st, int64_t length, uint64_t seed);

}  // namespace dseek
