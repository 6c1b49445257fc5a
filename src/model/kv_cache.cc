#include "model/kv_cache.h"

namespace dseek {

size_t SequenceCache::bytes() const {
  size_t n = 0;
  for (const auto& l : layers) n += (l.kv.size() + l.pe.size() + l.ik.size()) * sizeof(float);
  n += (mtp.kv.size() + mtp.pe.size() + mtp.ik.size()) * sizeof(float);
  return n;
}

void SequenceCache::truncate(int64_t n, const ModelConfig& c) {
  if (n >= length) return;
  for (auto& l : layers) {
    l.kv.resize(n * c.kv_lora_rank);
    l.pe.resize(n * c.qk_rope_head_dim);
    l.ik.resize(c.has_indexer ? n * c.index_head_dim : 0);
  }
  length = n;
}

}  // namespace dseek
