// CausalLm over the DeepSeek-V3.x model (model/Model): a sequence is a SequenceCache.
#include <memory>

#include "engine/causal_lm.h"
#include "engine/chat_format.h"
#include "model/kv_session.h"

namespace dseek {

namespace {

class SequenceV3 : public LmSequence {
 public:
  explicit SequenceV3(SequenceCache c) : cache_(std::move(c)) {}
  int64_t length() const override { return cache_.length; }
  const std::vector<int32_t>& tokens() const override { return cache_.tokens; }
  int64_t truncate(int64_t n) override {
    cache_.truncate(n);
    return cache_.length;
  }
  void clear() override { cache_.release(); }
  size_t bytes() const override { return cache_.bytes(); }
  int64_t adopt_prefix(const std::vector<int32_t>& prompt) override { return cache_.adopt_prefix(prompt); }
  void reserve(int64_t n) override { cache_.reserve(n); }
  int64_t blocks() const override { return cache_.blocks(); }
  SequenceCache* v3_cache() override { return &cache_; }

 private:
  SequenceCache cache_;
};

class CausalLmV3 : public CausalLm {
 public:
  CausalLmV3(std::unique_ptr<Model> owned, const Model* m) : owned_(std::move(owned)), m_(owned_ ? owned_.get() : m) {
    const ModelConfig& c = m_->config();
    info_.model_type = c.model_type.empty() ? "deepseek_v32" : c.model_type;
    const Checkpoint& ck = m_->checkpoint();
    const chat::FormatChoice f =
        checkpoint_chat_format(ck.dir(), info_.model_type, ck.is_gguf() ? ck.gguf_files().front().get() : nullptr);
    info_.chat_format = chat::format_name(f.format);
    info_.chat_format_reason = f.reason;
    info_.tool_calls = f.tool_calls;
    info_.vocab_size = c.vocab_size;
    info_.max_positions = c.max_position_embeddings;
    info_.bos_token_id = c.bos_token_id;
    info_.eos_token_id = c.eos_token_id;
  }
  const LmInfo& info() const override { return info_; }
  void set_chat_format(const std::string& format) override {
    info_.chat_format = format;
    info_.chat_format_reason = "set by --chat-format";
  }
  std::string fingerprint() const override { return m_->checkpoint().fingerprint(); }
  std::unique_ptr<LmSequence> new_sequence() const override { return std::make_unique<SequenceV3>(m_->new_cache()); }
  std::vector<float> forward(LmSequence& seq, const std::vector<int32_t>& tokens, bool all_logits) const override {
    SequenceCache* c = seq.v3_cache();
    if (!c) throw Error("forward: a sequence of another model");
    Batch b{tokens, std::vector<int32_t>(tokens.size(), 0)};
    return m_->forward(b, {c}, all_logits).logits;
  }
  std::shared_ptr<KvPool> new_pool(int64_t budget_bytes) const override { return m_->new_pool(budget_bytes); }
  std::unique_ptr<LmSequence> new_sequence(std::shared_ptr<KvPool> pool) const override {
    if (!pool) return new_sequence();
    return std::make_unique<SequenceV3>(SequenceCache(std::move(pool)));
  }
  std::vector<float> forward_batch(const std::vector<LmRun>& runs) const override {
    Batch b;
    std::vector<SequenceCache*> caches;
    for (const LmRun& r : runs) {
      SequenceCache* c = r.seq->v3_cache();
      if (!c) throw Error("forward: a sequence of another model");
      const int32_t idx = static_cast<int32_t>(caches.size());
      caches.push_back(c);
      b.tokens.insert(b.tokens.end(), r.tokens.begin(), r.tokens.end());
      b.seq.insert(b.seq.end(), r.tokens.size(), idx);
    }
    return m_->forward(b, caches, false).logits;
  }
  void save_session(const std::string& path, LmSequence& seq, const std::string& meta,
                    const std::string& identity) const override {
    SequenceCache* c = seq.v3_cache();
    if (!c) throw Error(path + ": a sequence of another model");
    save_sequence_cache(path, *c, meta, identity);
  }
  std::unique_ptr<LmSequence> load_session(const std::string& path, std::string* meta,
                                           const std::string& identity) const override {
    return std::make_unique<SequenceV3>(load_sequence_cache(path, m_->new_pool(0), meta, identity));
  }
  const Model* v3() const override { return m_; }

 private:
  std::unique_ptr<Model> owned_;
  const Model* m_;
  LmInfo info_;
};

}  // namespace

std::unique_ptr<CausalLm> make_causal_lm_v3(std::unique_ptr<Model> m) {
  return std::make_unique<CausalLmV3>(std::move(m), nullptr);
}

std::unique_ptr<LmSequence> v3_sequence(SequenceCache cache) { return std::make_unique<SequenceV3>(std::move(cache)); }

std::unique_ptr<CausalLm> CausalLm::borrow(const Model& model) { return std::make_unique<CausalLmV3>(nullptr, &model); }

}  // namespace dseek
