// Per-sequence KV cache of DeepSeek-V3.2: per layer the normalised MLA latent c_kv
// [kv_lora_rank], the RoPE'd shared key k_pe [qk_rope_head_dim] and the indexer key
// [index_head_dim], one row per cached position (576 + 128 floats a token a layer at real
// sizes). In official numerics the latent and indexer keys hold their fp8 quant-dequantised
// values. Grows as tokens are appended.
#pragma once
#include <cstdint>
#include <vector>

#include "weights/config.h"

namespace dseek {

struct LayerKV {
  std::vector<float> kv, pe, ik;  // [length, C], [length, R], [length, Di]
};

struct SequenceCache {
  int64_t length = 0;             // positions cached in the main layers
  std::vector<LayerKV> layers;    // num_hidden_layers
  int64_t mtp_length = 0;         // positions cached in the MTP layer
  LayerKV mtp;

  explicit SequenceCache(const ModelConfig& c) : layers(c.num_hidden_layers) {}
  SequenceCache() = default;
  // Bytes held (fp32 rows).
  size_t bytes() const;
  // Drops positions >= n (rewind after a rejected draft, or to re-use a prefix).
  void truncate(int64_t n, const ModelConfig& c);
};

}  // namespace dseek
