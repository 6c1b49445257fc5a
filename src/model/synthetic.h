// Synthetic models: random weights in the exact checkpoint layout, built in memory, for
// benchmarks and long-context tests (no file, no download).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "model/kv_cache.h"
#include "model/tensor_specs.h"
#include "weights/checkpoint.h"

namespace dseek {

// The real DeepSeek-V3.2 (671B) config.json values (hidden 7168, 128 heads, q_lora 1536,
// kv_lora 512, 64 indexer heads x 128, top-k 2048, YaRN factor 40, ...), as data.
ModelConfig real_config();

// One decoder layer with the real 671B per-layer shapes (MLA, indexer, router, shared expert)
// and `experts` routed experts (8 a token, 8 groups / keep 4 when experts >= 64), no MTP,
// a `vocab`-row embedding and head. name: "real-layer".
ModelConfig real_layer_config(int experts, int vocab = 256);

// Random weights for every tensor `c` implies: FP8 codes (no NaN) with power-of-two block
// scales, unit norms, zero biases, small BF16 matrices. Deterministic for a seed.
// type_of (optional): a ggml block type per 2-D weight (tensor_specs.h retype_weights); those
// weights get random blocks with small finite fp16 scales.
std::unique_ptr<Checkpoint> synthetic_checkpoint(const ModelConfig& c, uint64_t seed, const std::string& label,
                                                 const std::function<DType(const TensorSpec&)>& type_of = {});

// Fills `blocks` random blocks of ggml block type t whose fp16 scales are 2^-13 (finite,
// weights of order 1e-3..1e-2; every other bit pattern of a block is a valid code).
void random_quant_blocks(DType t, uint8_t* p, int64_t blocks, uint64_t seed);

// Weight mixes of the benchmarks, by name: "fp8" (as shipped), "q8_0", "q4_k-mix"
// (Q4_K routed experts, Q8_0 elsewhere), "q4_k_m" (llama.cpp's Q4_K_M classes: Q4_K, Q6_K for
// ffn_down and attn v), "q2_k", "iq2_xxs-mix" (IQ2_XXS routed experts, Q4_K elsewhere).
// Throws dseek::Error naming the mix for an unknown name.
std::function<DType(const TensorSpec&)> weight_mix(const std::string& name);

// Fills `cache` with `length` positions of random latents / k_pe / indexer keys in every layer
// (as if a prompt of that length had been prefilled), for decode benchmarks at long context.
// `tokens` (optional, length entries) are recorded as the cached tokens so the blocks can be
// published for prefix reuse; without them the rows are never published.
void fill_cache_random(const ModelConfig& c, SequenceCache& cache, int64_t length, uint64_t seed,
                       const std::vector<int32_t>* tokens = nullptr);

}  // namespace dseek
