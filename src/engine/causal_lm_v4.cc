// CausalLm over the DeepSeek-V4 model (model_v4/ModelV4): a sequence is a StateV4 and its tokens.
#include <memory>

#include "engine/causal_lm.h"
#include "engine/prefix_snapshots.h"
#include "model_v4/model_v4.h"
#include "model_v4/state_io_v4.h"
#include "runtime/error.h"

namespace dseek {

namespace {

using SnapshotsV4 = PrefixSnapshots<StateV4>;

class SequenceV4 : public LmSequence {
 public:
  explicit SequenceV4(const ModelV4& m, SnapshotsV4* snapshots = nullptr)
      : m_(m), st_(m.new_state()), snapshots_(snapshots) {}
  // A restored sequence (tokens.size() == st.pos).
  SequenceV4(const ModelV4& m, StateV4 st, std::vector<int32_t> tokens)
      : m_(m), st_(std::move(st)), tokens_(std::move(tokens)) {}
  int64_t length() const override { return st_.pos; }
  const std::vector<int32_t>& tokens() const override { return tokens_; }
  int64_t truncate(int64_t n) override {
    if (n < length()) clear();  // compressor state cannot be rolled back
    return length();
  }
  void clear() override {
    st_ = m_.new_state();
    tokens_.clear();
  }
  size_t bytes() const override { return st_.bytes(); }
  // Prefix reuse through whole-state snapshots (engine/prefix_snapshots.h).
  int64_t adopt_prefix(const std::vector<int32_t>& prompt) override {
    if (!snapshots_ || length() > 0) return 0;
    return snapshots_->take(prompt, &tokens_, &st_);
  }
  void publish() override {
    if (snapshots_ && length() > 0) snapshots_->put(tokens_, st_, st_.bytes());
  }
  StateV4& state() { return st_; }
  std::vector<int32_t>& token_list() { return tokens_; }

 private:
  const ModelV4& m_;
  StateV4 st_;
  std::vector<int32_t> tokens_;
  SnapshotsV4* snapshots_ = nullptr;
};

class CausalLmV4 : public CausalLm {
 public:
  explicit CausalLmV4(std::unique_ptr<ModelV4> m) : m_(std::move(m)) {
    const ConfigV4& c = m_->config();
    info_.model_type = "deepseek_v4";
    info_.chat_format = "v4";
    info_.vocab_size = c.vocab_size;
    info_.max_positions = c.max_position_embeddings;
    info_.bos_token_id = c.bos_token_id;
    info_.eos_token_id = c.eos_token_id;
  }
  const LmInfo& info() const override { return info_; }
  std::string fingerprint() const override { return m_->checkpoint().fingerprint(); }
  std::unique_ptr<LmSequence> new_sequence() const override { return std::make_unique<SequenceV4>(*m_); }
  // The scheduler's sequences share the prefix snapshots (no KvPool: null).
  std::unique_ptr<LmSequence> new_sequence(std::shared_ptr<KvPool> pool) const override {
    (void)pool;
    return std::make_unique<SequenceV4>(*m_, &snapshots_);
  }
  std::vector<float> forward(LmSequence& seq, const std::vector<int32_t>& tokens, bool all_logits) const override {
    auto* s = dynamic_cast<SequenceV4*>(&seq);
    if (!s) throw Error("forward: a sequence of another model");
    std::vector<float> logits = m_->forward(tokens, s->state(), all_logits).logits;
    s->token_list().insert(s->token_list().end(), tokens.begin(), tokens.end());
    return logits;
  }
  // Session files: the StateV4 and tokens (model_v4/state_io_v4.h).
  void save_session(const std::string& path, LmSequence& seq, const std::string& meta,
                    const std::string& identity) const override {
    auto* s = dynamic_cast<SequenceV4*>(&seq);
    if (!s) throw Error(path + ": not saved: a sequence of another model");
    save_state_v4(path, m_->config(), s->state(), s->token_list(), meta, identity);
  }
  std::unique_ptr<LmSequence> load_session(const std::string& path, std::string* meta,
                                           const std::string& identity) const override {
    std::vector<int32_t> tokens;
    StateV4 st = load_state_v4(path, m_->config(), &tokens, meta, identity);
    return std::make_unique<SequenceV4>(*m_, std::move(st), std::move(tokens));
  }

 private:
  std::unique_ptr<ModelV4> m_;
  LmInfo info_;
  // Whole-state prefix snapshots for the server's sequences: 1 GiB (a V4-Flash state is about
  // 14 KB a token in fp32, so some 75 K cached prompt tokens).
  mutable SnapshotsV4 snapshots_{size_t(1) << 30};
};

}  // namespace

std::unique_ptr<CausalLm> make_causal_lm_v4(const std::string& dir, Numerics numerics) {
  return std::make_unique<CausalLmV4>(ModelV4::load(dir, numerics));
}

}  // namespace dseek
