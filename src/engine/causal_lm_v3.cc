// CausalLm over the DeepSeek-V3.x model (model/Model): a sequence is a SequenceCache.
#include <memory>

#include "engine/causal_lm.h"

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
  SequenceCache* v3_cache() override { return &cache_; }

 private:
  SequenceCache cache_;
};

class CausalLmV3 : public CausalLm {
 public:
  CausalLmV3(std::unique_ptr<Model> owned, const Model* m) : owned_(std::move(owned)), m_(owned_ ? owned_.get() : m) {
    const ModelConfig& c = m_->config();
    info_.model_type = c.model_type.empty() ? "deepseek_v32" : c.model_type;
    info_.chat_format = "v3.2";
    info_.vocab_size = c.vocab_size;
    info_.max_positions = c.max_position_embeddings;
    info_.bos_token_id = c.bos_token_id;
    info_.eos_token_id = c.eos_token_id;
  }
  const LmInfo& info() const override { return info_; }
  std::string fingerprint() const override { return m_->checkpoint().fingerprint(); }
  std::unique_ptr<LmSequence> new_sequence() const override { return std::make_unique<SequenceV3>(m_->new_cache()); }
  std::vector<float> forward(LmSequence& seq, const std::vector<int32_t>& tokens, bool all_logits) const override {
    SequenceCache* c = seq.v3_cache();
    if (!c) throw Error("forward: a sequence of another model");
    Batch b{tokens, std::vector<int32_t>(tokens.size(), 0)};
    return m_->forward(b, {c}, all_logits).logits;
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
