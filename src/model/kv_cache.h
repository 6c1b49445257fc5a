// SequenceCache: one sequence's view of the paged KV cache — a block table into a KvPool plus
// the tokens it holds (for prefix hashing). Per cached position and main layer it keeps the
// normalised MLA latent c_kv, the RoPE'd shared key k_pe and the indexer key (576 + 128 values
// at real sizes). The MTP layer's cache (positions lag the main model by one) is kept apart
// in plain rows. Move-only; releases its blocks when destroyed.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "model/kv_pool.h"
#include "runtime/error.h"
#include "weights/config.h"

namespace dseek {

// The lightning indexer's head sum over one block of keys (DeepSeek-V3.2 paper §2.1):
// score[j] = sum_h w[h] * ReLU(dots[h * rows + j]) for j < rows, heads summed in order.
void indexer_head_sum(const float* dots, const float* w, int64_t H, int64_t rows, float* score);

// The pool cannot supply the blocks a request needs (its --kv-budget is used up).
class KvCacheFull : public Error {
 public:
  explicit KvCacheFull(const std::string& what) : Error(what) {}
};

struct LayerKV {  // plain rows (MTP layer)
  std::vector<float> kv, pe, ik;  // [length, C], [length, R], [length, Di]
};

class SequenceCache {
 public:
  SequenceCache() = default;
  explicit SequenceCache(std::shared_ptr<KvPool> pool) : pool_(std::move(pool)) {}
  ~SequenceCache() { release(); }
  SequenceCache(SequenceCache&& o) noexcept { *this = std::move(o); }
  SequenceCache& operator=(SequenceCache&& o) noexcept;
  SequenceCache(const SequenceCache&) = delete;
  SequenceCache& operator=(const SequenceCache&) = delete;

  int64_t length = 0;           // positions cached in the main layers
  std::vector<int32_t> tokens;  // the token at each cached position (-1: unknown)
  int64_t mtp_length = 0;       // positions cached in the MTP layer
  LayerKV mtp;

  KvPool& pool() const { return *pool_; }
  const std::shared_ptr<KvPool>& pool_ptr() const { return pool_; }

  // Makes room for positions [length, length + n). Throws KvCacheFull (nothing changed) when
  // the pool cannot supply the blocks.
  void reserve(int64_t n);
  // Stores position `pos` (already reserved) of `layer`.
  void write(int layer, int64_t pos, const float* latent, const float* pe, const float* ik) {
    pool_->write(blocks_[pos / B()], layer, static_cast<int>(pos % B()), latent, pe, ik);
  }
  // Reads positions idx[0..n) of `layer` into latent [n, kv_lora_rank] and pe [n, rope] (fp32).
  void gather(int layer, const int32_t* idx, int64_t n, float* latent, float* pe) const;
  // Reads positions [0, n) of `layer`.
  void gather_prefix(int layer, int64_t n, float* latent, float* pe) const;
  // hs[h * n + s] = q_h . k_s for heads h < H (q: [H, index_head_dim]) and positions s < n.
  void index_dots(int layer, const float* q, int64_t H, int64_t n, float* hs) const;
  // The lightning indexer's scores (DeepSeek-V3.2 paper §2.1; oracle indexer):
  // score[s] = sum_h w[h] * ReLU(q_h . k_s) for s < n, heads summed in order. Computed a
  // block of keys at a time: an [H, block] scratch, never an [H, n] buffer.
  void index_scores(int layer, const float* q, const float* w, int64_t H, int64_t n, float* score) const;
  // After a forward step wrote positions [length, length + toks.size()): records the tokens,
  // advances length and publishes the blocks that became full (below the verified limit).
  void commit(const int32_t* toks, int64_t n);
  // Speculative decoding writes draft tokens that may be rejected: positions >= n are not
  // published for prefix reuse until the limit is lifted (set_verified_limit(INT64_MAX)
  // publishes the full blocks held back, engine/speculative.h).
  void set_verified_limit(int64_t n);

  // Adopts the longest run of published full blocks matching prompt[0 .. prompt.size() - 1)
  // (at least one token is always left to compute). Only on an empty cache. Returns the
  // number of cached tokens adopted.
  int64_t adopt_prefix(const std::vector<int32_t>& prompt);
  // Drops positions >= n (copy-on-write for a shared partial block). Throws KvCacheFull.
  // The MTP cache keeps at most n - 1 entries: its entry i pairs position i with token i + 1
  // (n entries with keep_mtp_entry: the caller feeds the same token n again).
  void truncate(int64_t n, bool keep_mtp_entry = false);
  // Keeps the first min(n, mtp_length) entries of the MTP layer's cache.
  void truncate_mtp(int64_t n);
  // Blocks held and their bytes.
  int64_t blocks() const { return static_cast<int64_t>(blocks_.size()); }
  size_t bytes() const;
  // Releases every block (the cache becomes empty).
  void release();

 private:
  int64_t B() const { return pool_->block_tokens(); }
  // For each block of cached indexer keys (positions [b0, b0 + rows), rows <= B, in parallel):
  // visit(part, b0, rows) with part[h * rows + j] = q_h . k_{b0 + j}, h < H.
  void for_each_key_block(int layer, const float* q, int64_t H, int64_t n,
                          const std::function<void(const float*, int64_t, int64_t)>& visit) const;
  std::shared_ptr<KvPool> pool_;
  std::vector<int32_t> blocks_;
  std::vector<uint64_t> hashes_;  // chain hash of each published-able full block
  int64_t verified_limit_ = INT64_MAX;
  void publish_full_blocks();
};

}  // namespace dseek
