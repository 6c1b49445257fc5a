#include "structured/tool_call_constraint.h"

#include "structured/json_constraint.h"

namespace dseek::structured {

namespace {

class AfterText : public TokenConstraint {
 public:
  AfterText(std::shared_ptr<const grammar::Grammar> g, std::shared_ptr<const grammar::TokenTrie> trie, std::string trigger,
            int32_t start, std::vector<int32_t> end_ids)
      : g_(std::move(g)), trie_(std::move(trie)), trigger_(std::move(trigger)), start_(start), end_ids_(std::move(end_ids)),
        scanning_(start < 0) {}

  void mask(float* logits, int64_t vocab) override {
    if (inner_) inner_->mask(logits, vocab);
  }
  void accept(int32_t token) override {
    if (inner_) {
      inner_->accept(token);
      return;
    }
    if (!scanning_) {
      scanning_ = token == start_;
      return;
    }
    const bool known = token >= 0 && static_cast<size_t>(token) < trie_->vocab_size();
    const std::string& bytes = known ? trie_->token_bytes(token) : empty_;
    if (bytes.empty()) {  // an added token: not part of any text the trigger could span
      tail_.clear();
      return;
    }
    tail_ += bytes;
    if (size_t at = tail_.find(trigger_); at != std::string::npos) {
      inner_ = grammar_constraint(g_, trie_, tail_.substr(at))(end_ids_);
      return;
    }
    // Keep only what could still be the start of the trigger.
    if (tail_.size() >= trigger_.size()) tail_.erase(0, tail_.size() - (trigger_.size() - 1));
  }
  bool done() const override { return inner_ && inner_->done(); }

 private:
  std::shared_ptr<const grammar::Grammar> g_;
  std::shared_ptr<const grammar::TokenTrie> trie_;
  std::string trigger_;
  int32_t start_;
  std::vector<int32_t> end_ids_;
  bool scanning_;
  std::string tail_;
  const std::string empty_;
  std::unique_ptr<TokenConstraint> inner_;
};

}  // namespace

ConstraintFactory after_text(std::shared_ptr<const grammar::Grammar> g, std::shared_ptr<const grammar::TokenTrie> trie,
                             std::string trigger, int32_t start) {
  return [g = std::move(g), trie = std::move(trie), trigger = std::move(trigger), start](
             const std::vector<int32_t>& end_ids) -> std::unique_ptr<TokenConstraint> {
    return std::make_unique<AfterText>(g, trie, trigger, start, end_ids);
  };
}

}  // namespace dseek::structured
