// CausalLm over the DeepSeek-V4 model (model_v4/ModelV4): a sequence is a StateV4 and its tokens.
#include <memory>
#include <string>

#include "engine/causal_lm.h"
#include "engine/chat_format.h"
#include "engine/prefix_snapshots.h"
#include "engine/state_budget.h"
#include "model_v4/model_v4.h"
#include "model_v4/plan_v4.h"
#include "model_v4/state_io_v4.h"
#include "runtime/error.h"

namespace dseek {

namespace {

using SnapshotsV4 = PrefixSnapshots<StateV4>;

// Whole-state prefix snapshots of a server: at most 1 GiB (a V4-Flash state is about 14 KB a
// token in fp32, so some 75 K cached prompt tokens), and within its --kv-budget.
constexpr size_t kSnapshotBytes = size_t(1) << 30;

// A server's state budget: a sequence's bytes at n tokens from the memory plan
// (StatePlanV4::sequence_bytes_at), and the prefix snapshots counted in it, evicted for live
// sequences.
class BudgetV4 : public StateBudget {
 public:
  BudgetV4(int64_t capacity_bytes, const StatePlanV4& plan, bool fp4_index_keys)
      : StateBudget(capacity_bytes, [plan, fp4_index_keys](int64_t n) { return plan.sequence_bytes_at(n, fp4_index_keys); }),
        snapshots(kSnapshotBytes, this) {
    set_evictor([this](int64_t need) { return snapshots.evict(need); });
  }
  SnapshotsV4 snapshots;
};

class SequenceV4 : public LmSequence {
 public:
  // budget: null for a sequence of its own (run, chat, sessions); the state is made on first use.
  explicit SequenceV4(const ModelV4& m, std::shared_ptr<BudgetV4> budget = nullptr) : m_(m), budget_(std::move(budget)) {}
  // A restored sequence (tokens.size() == st.pos).
  SequenceV4(const ModelV4& m, StateV4 st, std::vector<int32_t> tokens)
      : m_(m), st_(std::move(st)), tokens_(std::move(tokens)) {}
  ~SequenceV4() override { release(); }
  int64_t length() const override { return st_.pos; }
  const std::vector<int32_t>& tokens() const override { return tokens_; }
  int64_t truncate(int64_t n) override {
    if (n < length()) clear();  // compressor state cannot be rolled back
    return length();
  }
  void clear() override {
    st_ = StateV4{};  // freed; a fresh one is made when fed again
    tokens_.clear();
    release();
  }
  size_t bytes() const override { return st_.bytes(); }
  // Budgeted: holds the plan's bytes at length() + n (reserved as the sequence grows).
  void reserve(int64_t n) override {
    if (!budget_) return;
    const int64_t want = budget_->bytes_at(length() + n);
    if (want <= reserved_) return;
    budget_->reserve(want - reserved_, "for " + std::to_string(length() + n) + " tokens");
    reserved_ = want;
  }
  // Prefix reuse through whole-state snapshots (engine/prefix_snapshots.h): the copy's bytes are
  // reserved first (evicting other snapshots if need be); none is taken when they do not fit.
  int64_t adopt_prefix(const std::vector<int32_t>& prompt) override {
    if (!budget_ || length() > 0) return 0;
    const int64_t n = budget_->snapshots.longest(prompt);
    if (n == 0) return 0;
    const int64_t want = budget_->bytes_at(n);
    if (want > reserved_) {
      if (!budget_->try_reserve(want - reserved_)) return 0;
      reserved_ = want;
    }
    // Reserving may have evicted that snapshot: take gets the longest one left (or none).
    const int64_t got = budget_->snapshots.take(prompt, &tokens_, &st_);
    if (got < n) {
      const int64_t keep = got > 0 ? budget_->bytes_at(got) : 0;
      budget_->release(reserved_ - keep);
      reserved_ = keep;
    }
    return got;
  }
  void publish() override {
    if (budget_ && length() > 0) budget_->snapshots.put(tokens_, st_, st_.bytes());
  }
  StateV4& state() {
    if (st_.layers.empty()) st_ = m_.new_state();
    return st_;
  }
  std::vector<int32_t>& token_list() { return tokens_; }

 private:
  void release() {
    if (budget_ && reserved_ > 0) budget_->release(reserved_);
    reserved_ = 0;
  }
  const ModelV4& m_;
  StateV4 st_;
  std::vector<int32_t> tokens_;
  std::shared_ptr<BudgetV4> budget_;
  int64_t reserved_ = 0;  // bytes held in budget_
};

class CausalLmV4 : public CausalLm {
 public:
  explicit CausalLmV4(std::unique_ptr<ModelV4> m) : m_(std::move(m)) {
    const ConfigV4& c = m_->config();
    info_.model_type = "deepseek_v4";
    const chat::FormatChoice f = checkpoint_chat_format(m_->checkpoint().dir(), info_.model_type);
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
  std::unique_ptr<LmSequence> new_sequence() const override { return std::make_unique<SequenceV4>(*m_); }
  // The server's sequences share a state budget and its prefix snapshots (no KvPool).
  std::shared_ptr<StateBudget> new_budget(int64_t budget_bytes) const override {
    return std::make_shared<BudgetV4>(budget_bytes, state_plan_v4(m_->config()), m_->new_state().fp4_index_keys);
  }
  std::unique_ptr<LmSequence> new_sequence_in(std::shared_ptr<StateBudget> budget) const override {
    auto b = std::dynamic_pointer_cast<BudgetV4>(budget);
    if (budget && !b) throw Error("new_sequence_in: a budget of another model");
    return std::make_unique<SequenceV4>(*m_, std::move(b));
  }
  // Throws KvCacheFull (seq unchanged) when a budgeted sequence's budget cannot hold the tokens.
  std::vector<float> forward(LmSequence& seq, const std::vector<int32_t>& tokens, bool all_logits) const override {
    auto* s = dynamic_cast<SequenceV4*>(&seq);
    if (!s) throw Error("forward: a sequence of another model");
    s->reserve(static_cast<int64_t>(tokens.size()));
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
};

}  // namespace

std::unique_ptr<CausalLm> make_causal_lm_v4(const std::string& dir, Numerics numerics) {
  return std::make_unique<CausalLmV4>(ModelV4::load(dir, numerics));
}

}  // namespace dseek
