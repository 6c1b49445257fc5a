// KvPool: the paged store behind every sequence's KV cache. A block holds `block_tokens`
// consecutive positions of every main layer: the MLA latent row [kv_lora_rank | k_pe] and the
// indexer key [index_head_dim], in F32 (exact numerics) or BF16 (official numerics, whose
// cached values — fp8 round-tripped latents, bf16 k_pe, fp8 indexer keys — bf16 holds exactly).
//
// Blocks are reference counted. A full block can be published under the hash of its token
// prefix (the chain hash of every token from position 0 to its end), so a later request
// with the same prefix adopts it instead of recomputing it; published blocks nobody holds
// stay cached and are evicted least-recently-used when the pool needs room.
// Not thread-safe: one owner (the scheduler thread, or a single-sequence caller).
#pragma once
#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "weights/config.h"

namespace dseek {

enum class KvDtype { F32, BF16 };

struct KvPoolStats {
  int64_t capacity_blocks = -1;  // -1: unbounded
  int64_t used_blocks = 0;       // held by a sequence or cached
  int64_t cached_blocks = 0;     // published and held by nobody (evictable)
  int64_t prefix_lookups = 0, prefix_hits = 0, evictions = 0;
  int64_t block_bytes = 0;
};

class KvPool {
 public:
  // budget_bytes <= 0: unbounded (blocks are allocated as needed).
  KvPool(const ModelConfig& c, KvDtype dtype, int64_t budget_bytes, int block_tokens = 64);

  int block_tokens() const { return B_; }
  KvDtype dtype() const { return dtype_; }
  int64_t block_bytes() const { return block_bytes_; }
  // Bytes a token of context costs in this pool (all layers, latent + k_pe + indexer key).
  int64_t bytes_per_token() const { return block_bytes_ / B_; }
  const ModelConfig& config() const { return c_; }

  // A fresh block with one reference, or -1 when the budget is used up and nothing can be evicted.
  int32_t allocate();
  void retain(int32_t b);
  void release(int32_t b);
  int refs(int32_t b) const { return refs_[b]; }
  bool published(int32_t b) const { return hash_of_[b] != 0; }
  // Free blocks obtainable now (free + evictable + not yet allocated under the budget).
  int64_t available() const;

  // Row access: position `off` (< block_tokens) of layer `layer` in block b.
  void write(int32_t b, int layer, int off, const float* latent, const float* pe, const float* ik);
  void read(int32_t b, int layer, int off, float* latent, float* pe) const;
  // The indexer keys of one block and layer: [block_tokens, index_head_dim] in dtype().
  const uint8_t* ik_rows(int32_t b, int layer) const;
  // Copies block `from` into a fresh block (copy-on-write); -1 when the pool is full.
  int32_t clone(int32_t from);

  // Prefix cache. find() retains and returns the block published under `hash`, or -1.
  int32_t find(uint64_t hash);
  void publish(uint64_t hash, int32_t b);

  KvPoolStats stats() const;

 private:
  uint8_t* latent_row(int32_t b, int layer, int off) const;
  uint8_t* ik_row(int32_t b, int layer, int off) const;

  ModelConfig c_;
  KvDtype dtype_;
  int B_;
  int64_t esz_, latent_w_, ik_w_, block_bytes_, capacity_;
  std::vector<std::unique_ptr<uint8_t[]>> blocks_;
  std::vector<int> refs_;
  std::vector<uint64_t> hash_of_;
  std::vector<int32_t> free_;
  std::list<int32_t> lru_;  // published blocks with no reference, oldest first
  std::vector<std::list<int32_t>::iterator> lru_pos_;
  std::vector<bool> in_lru_;
  std::unordered_map<uint64_t, int32_t> by_hash_;
  int64_t lookups_ = 0, hits_ = 0, evictions_ = 0;
};

// Chain hash of a block's tokens after the previous block's hash (never 0).
uint64_t block_hash(uint64_t parent, const int32_t* tokens, int n);

}  // namespace dseek
