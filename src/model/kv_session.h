// Saving and restoring one sequence's KV cache (latent, k_pe and indexer keys of every main
// layer, plus its tokens) as a .safetensors file, so a conversation continues after a restart
// without prefilling it again. Tensors: `tokens` I32 [n], `latent` F32 [layers, n, kv_lora_rank
// + qk_rope_head_dim], `index_keys` F32 [layers, n, index_head_dim]; metadata: the cache's
// shape keys (checked on load), the fingerprint of the model that filled it (`model`,
// LocalEngine::model_fingerprint() / Checkpoint::fingerprint(); checked on load) and a caller
// string.
#pragma once
#include <string>

#include "model/kv_cache.h"

namespace dseek {

// Writes atomically (temp file + rename), recording `model_fingerprint` (the fingerprint of the
// model whose forward passes filled `cache`). Throws dseek::Error on I/O failure.
void save_sequence_cache(const std::string& path, const SequenceCache& cache, const std::string& user_metadata,
                         const std::string& model_fingerprint);

// Restores into a new cache on `pool`. Throws dseek::Error naming the file for a corrupt file,
// one without a recorded model fingerprint (written by an older dseek), one saved with a model
// whose fingerprint differs from `model_fingerprint`, or one saved for another model shape;
// KvCacheFull when the pool cannot hold it.
SequenceCache load_sequence_cache(const std::string& path, std::shared_ptr<KvPool> pool, std::string* user_metadata,
                                  const std::string& model_fingerprint);

}  // namespace dseek
