#include "model/kv_pool.h"

#include <cstring>

#include "kernels/numeric.h"
#include "runtime/error.h"

namespace dseek {

KvPool::KvPool(const ModelConfig& c, KvDtype dtype, int64_t budget_bytes, int block_tokens)
    : c_(c), dtype_(dtype), B_(block_tokens) {
  esz_ = dtype == KvDtype::F32 ? 4 : 2;
  latent_w_ = c.kv_lora_rank + c.qk_rope_head_dim;
  ik_w_ = c.has_indexer ? c.index_head_dim : 0;
  block_bytes_ = int64_t(c.num_hidden_layers) * B_ * (latent_w_ + ik_w_) * esz_;
  capacity_ = budget_bytes > 0 ? budget_bytes / block_bytes_ : -1;
  if (budget_bytes > 0 && capacity_ < 1)
    throw Error("KV-cache budget of " + std::to_string(budget_bytes) + " bytes holds no block (one block of " +
                std::to_string(B_) + " tokens needs " + std::to_string(block_bytes_) + " bytes)");
}

uint64_t block_hash(uint64_t parent, const int32_t* tokens, int n) {
  uint64_t h = parent ^ 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < n; ++i) {
    h ^= static_cast<uint32_t>(tokens[i]) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return h ? h : 1;
}

int64_t KvPool::available() const {
  int64_t n = static_cast<int64_t>(free_.size() + lru_.size());
  if (capacity_ >= 0) n += capacity_ - static_cast<int64_t>(blocks_.size());
  else n = INT64_MAX / 2;
  return n;
}

int32_t KvPool::allocate() {
  int32_t b = -1;
  if (!free_.empty()) {
    b = free_.back();
    free_.pop_back();
  } else if (capacity_ < 0 || static_cast<int64_t>(blocks_.size()) < capacity_) {
    b = static_cast<int32_t>(blocks_.size());
    blocks_.emplace_back(new uint8_t[block_bytes_]);
    refs_.push_back(0);
    hash_of_.push_back(0);
    lru_pos_.emplace_back();
    in_lru_.push_back(false);
  } else if (!lru_.empty()) {  // evict the least recently used cached prefix block
    b = lru_.front();
    lru_.pop_front();
    in_lru_[b] = false;
    by_hash_.erase(hash_of_[b]);
    hash_of_[b] = 0;
    ++evictions_;
  } else {
    return -1;
  }
  refs_[b] = 1;
  return b;
}

void KvPool::retain(int32_t b) {
  if (in_lru_[b]) {
    lru_.erase(lru_pos_[b]);
    in_lru_[b] = false;
  }
  ++refs_[b];
}

void KvPool::release(int32_t b) {
  if (--refs_[b] > 0) return;
  if (hash_of_[b] != 0) {  // keep it for prefix reuse until the room is needed
    lru_.push_back(b);
    lru_pos_[b] = std::prev(lru_.end());
    in_lru_[b] = true;
  } else {
    free_.push_back(b);
  }
}

uint8_t* KvPool::latent_row(int32_t b, int layer, int off) const {
  return blocks_[b].get() + ((int64_t(layer) * B_ + off) * latent_w_) * esz_;
}

uint8_t* KvPool::ik_row(int32_t b, int layer, int off) const {
  return blocks_[b].get() + (int64_t(c_.num_hidden_layers) * B_ * latent_w_ + (int64_t(layer) * B_ + off) * ik_w_) * esz_;
}

namespace {
void store(uint8_t* dst, const float* src, int64_t n, KvDtype t) {
  if (t == KvDtype::F32) {
    std::memcpy(dst, src, n * 4);
  } else {
    uint16_t* d = reinterpret_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(src[i]);
  }
}
void load(const uint8_t* src, float* dst, int64_t n, KvDtype t) {
  if (t == KvDtype::F32) {
    std::memcpy(dst, src, n * 4);
  } else {
    const uint16_t* s = reinterpret_cast<const uint16_t*>(src);
    for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(s[i]);
  }
}
}  // namespace

void KvPool::write(int32_t b, int layer, int off, const float* latent, const float* pe, const float* ik) {
  uint8_t* row = latent_row(b, layer, off);
  store(row, latent, c_.kv_lora_rank, dtype_);
  store(row + c_.kv_lora_rank * esz_, pe, c_.qk_rope_head_dim, dtype_);
  if (ik_w_ && ik) store(ik_row(b, layer, off), ik, ik_w_, dtype_);
}

void KvPool::read(int32_t b, int layer, int off, float* latent, float* pe) const {
  const uint8_t* row = latent_row(b, layer, off);
  load(row, latent, c_.kv_lora_rank, dtype_);
  load(row + c_.kv_lora_rank * esz_, pe, c_.qk_rope_head_dim, dtype_);
}

const uint8_t* KvPool::ik_rows(int32_t b, int layer) const { return ik_row(b, layer, 0); }

int32_t KvPool::clone(int32_t from) {
  int32_t b = allocate();
  if (b >= 0) std::memcpy(blocks_[b].get(), blocks_[from].get(), block_bytes_);
  return b;
}

int32_t KvPool::find(uint64_t hash) {
  ++lookups_;
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return -1;
  ++hits_;
  retain(it->second);
  return it->second;
}

void KvPool::publish(uint64_t hash, int32_t b) {
  if (hash_of_[b] != 0 || by_hash_.count(hash)) return;  // already cached (by this or another block)
  hash_of_[b] = hash;
  by_hash_[hash] = b;
}

KvPoolStats KvPool::stats() const {
  KvPoolStats s;
  s.capacity_blocks = capacity_;
  s.used_blocks = static_cast<int64_t>(blocks_.size() - free_.size());
  s.cached_blocks = static_cast<int64_t>(lru_.size());
  s.prefix_lookups = lookups_;
  s.prefix_hits = hits_;
  s.evictions = evictions_;
  s.block_bytes = block_bytes_;
  return s;
}

}  // namespace dseek
