#include "model/kv_cache.h"

#include <algorithm>

#include "kernels/gemm_hwy.h"
#include "kernels/linear.h"

namespace dseek {

SequenceCache& SequenceCache::operator=(SequenceCache&& o) noexcept {
  if (this != &o) {
    release();
    pool_ = std::move(o.pool_);
    blocks_ = std::move(o.blocks_);
    hashes_ = std::move(o.hashes_);
    tokens = std::move(o.tokens);
    length = o.length;
    mtp_length = o.mtp_length;
    mtp = std::move(o.mtp);
    verified_limit_ = o.verified_limit_;
    o.length = o.mtp_length = 0;
    o.blocks_.clear();
  }
  return *this;
}

void SequenceCache::release() {
  if (pool_)
    for (int32_t b : blocks_) pool_->release(b);
  blocks_.clear();
  hashes_.clear();
  tokens.clear();
  length = 0;
  mtp_length = 0;
  mtp = LayerKV{};
  verified_limit_ = INT64_MAX;
}

void SequenceCache::reserve(int64_t n) {
  const int64_t need = (length + n + B() - 1) / B() - static_cast<int64_t>(blocks_.size());
  if (need <= 0) return;
  if (pool_->available() < need)
    throw KvCacheFull("KV cache full: " + std::to_string(need) + " more blocks of " + std::to_string(B()) +
                      " tokens needed, " + std::to_string(pool_->available()) + " available (raise --kv-budget)");
  for (int64_t i = 0; i < need; ++i) {
    int32_t b = pool_->allocate();
    if (b < 0) {  // cannot happen after the check above; keep the cache unchanged anyway
      for (int64_t j = 0; j < i; ++j) {
        pool_->release(blocks_.back());
        blocks_.pop_back();
      }
      throw KvCacheFull("KV cache full");
    }
    blocks_.push_back(b);
  }
}

void SequenceCache::gather(int layer, const int32_t* idx, int64_t n, float* latent, float* pe) const {
  const int64_t C = pool_->config().kv_lora_rank, R = pool_->config().qk_rope_head_dim;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t p = idx[k];
    pool_->read(blocks_[p / B()], layer, static_cast<int>(p % B()), latent + k * C, pe + k * R);
  }
}

void SequenceCache::gather_prefix(int layer, int64_t n, float* latent, float* pe) const {
  const int64_t C = pool_->config().kv_lora_rank, R = pool_->config().qk_rope_head_dim;
  for (int64_t p = 0; p < n; ++p) pool_->read(blocks_[p / B()], layer, static_cast<int>(p % B()), latent + p * C, pe + p * R);
}

// The head dots are the prefill GEMM with the heads as its tokens (per dot one sequential
// chain over the head dim): the queries are packed once, then each block of keys is one
// product. Blocks are independent: split across threads (each product single-threaded).
void SequenceCache::for_each_key_block(int layer, const float* q, int64_t H, int64_t n,
                                       const std::function<void(const float*, int64_t, int64_t)>& visit) const {
  const int64_t D = pool_->config().index_head_dim, Bt = B(), nblocks = (n + Bt - 1) / Bt;
  const DType dt = pool_->dtype() == KvDtype::F32 ? DType::F32 : DType::BF16;
  std::vector<float> qt(prefill_packed_floats(H, D));
  prefill_pack_tokens(q, H, D, 0, (H + prefill_token_tile() - 1) / prefill_token_tile(), qt.data());
#pragma omp parallel if (nblocks > 8)
  {
    std::vector<float> part(H * Bt);
#pragma omp for schedule(static)
    for (int64_t bi = 0; bi < nblocks; ++bi) {
      const int64_t b0 = bi * Bt, rows = std::min(Bt, n - b0);
      const GemmArgs keys{dt, pool_->ik_rows(blocks_[bi], layer), nullptr, D, 0, rows};
      prefill_gemm_rows(qt.data(), H, keys, 0, rows, part.data());
      visit(part.data(), b0, rows);
    }
  }
}

void SequenceCache::index_dots(int layer, const float* q, int64_t H, int64_t n, float* hs) const {
  for_each_key_block(layer, q, H, n, [&](const float* part, int64_t b0, int64_t rows) {
    for (int64_t h = 0; h < H; ++h) std::copy_n(part + h * rows, rows, hs + h * n + b0);
  });
}

void indexer_head_sum(const float* dots, const float* w, int64_t H, int64_t rows, float* score) {
  for (int64_t j = 0; j < rows; ++j) {
    float acc = 0.0f;
    for (int64_t h = 0; h < H; ++h) acc += std::max(dots[h * rows + j], 0.0f) * w[h];
    score[j] = acc;
  }
}

void SequenceCache::index_scores(int layer, const float* q, const float* w, int64_t H, int64_t n, float* score) const {
  for_each_key_block(layer, q, H, n, [&](const float* part, int64_t b0, int64_t rows) {
    indexer_head_sum(part, w, H, rows, score + b0);
  });
}

void SequenceCache::commit(const int32_t* toks, int64_t n) {
  tokens.insert(tokens.end(), toks, toks + n);
  length += n;
  publish_full_blocks();
}

void SequenceCache::set_verified_limit(int64_t n) {
  verified_limit_ = n;
  publish_full_blocks();
}

void SequenceCache::publish_full_blocks() {
  // Publish blocks that are full, verified and whose every token is known.
  while (static_cast<int64_t>(hashes_.size()) < std::min(length, verified_limit_) / B()) {
    const int64_t i = static_cast<int64_t>(hashes_.size());
    const int32_t* t = tokens.data() + i * B();
    bool known = std::none_of(t, t + B(), [](int32_t v) { return v < 0; });
    uint64_t parent = i ? hashes_[i - 1] : 0;
    uint64_t h = known && parent != ~0ull ? block_hash(parent, t, static_cast<int>(B())) : ~0ull;
    hashes_.push_back(h);
    if (h != ~0ull) pool_->publish(h, blocks_[i]);
  }
}

int64_t SequenceCache::adopt_prefix(const std::vector<int32_t>& prompt) {
  if (length != 0 || prompt.empty()) return 0;
  const int64_t full = (static_cast<int64_t>(prompt.size()) - 1) / B();
  uint64_t h = 0;
  for (int64_t i = 0; i < full; ++i) {
    h = block_hash(h, prompt.data() + i * B(), static_cast<int>(B()));
    int32_t b = pool_->find(h);
    if (b < 0) break;
    blocks_.push_back(b);
    hashes_.push_back(h);
    tokens.insert(tokens.end(), prompt.begin() + i * B(), prompt.begin() + (i + 1) * B());
    length += B();
  }
  return length;
}

void SequenceCache::truncate(int64_t n, bool keep_mtp_entry) {
  if (n > length) return;  // n == length: only drops blocks reserved beyond the end
  const int64_t keep_blocks = (n + B() - 1) / B();
  while (static_cast<int64_t>(blocks_.size()) > keep_blocks) {
    pool_->release(blocks_.back());
    blocks_.pop_back();
  }
  hashes_.resize(std::min<size_t>(hashes_.size(), static_cast<size_t>(n / B())));
  // A partial last block that is shared or published must not be written again: copy it.
  if (n % B() && !blocks_.empty()) {
    int32_t& last = blocks_.back();
    if (pool_->refs(last) > 1 || pool_->published(last)) {
      int32_t c = pool_->clone(last);
      if (c < 0) throw KvCacheFull("KV cache full: no block to copy a shared block into");
      pool_->release(last);
      last = c;
    }
  }
  tokens.resize(n);
  length = n;
  truncate_mtp(keep_mtp_entry ? n : n - 1);
}

void SequenceCache::truncate_mtp(int64_t n) {
  n = std::max<int64_t>(n, 0);
  if (n >= mtp_length) return;
  // Row widths from the stored rows (the indexer keys are absent without an indexer).
  auto keep = [&](std::vector<float>& v) { v.resize(v.size() / static_cast<size_t>(mtp_length) * static_cast<size_t>(n)); };
  keep(mtp.kv);
  keep(mtp.pe);
  keep(mtp.ik);
  mtp_length = n;
}

size_t SequenceCache::bytes() const {
  size_t n = pool_ ? blocks_.size() * static_cast<size_t>(pool_->block_bytes()) : 0;
  n += (mtp.kv.size() + mtp.pe.size() + mtp.ik.size()) * sizeof(float);
  return n;
}

}  // namespace dseek
