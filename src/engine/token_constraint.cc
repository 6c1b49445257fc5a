#include "engine/token_constraint.h"

#include <limits>

namespace dseek {

namespace {

class AfterToken : public TokenConstraint {
 public:
  AfterToken(std::unique_ptr<TokenConstraint> inner, int32_t trigger, std::vector<int32_t> end_ids)
      : inner_(std::move(inner)), trigger_(trigger), end_ids_(std::move(end_ids)) {}

  void mask(float* logits, int64_t vocab) override {
    if (on_) return inner_->mask(logits, vocab);
    for (int32_t t : end_ids_)
      if (t >= 0 && t < vocab) logits[t] = -std::numeric_limits<float>::infinity();
  }
  void accept(int32_t token) override {
    if (on_)
      inner_->accept(token);
    else if (token == trigger_)
      on_ = true;
  }
  bool done() const override { return on_ && inner_->done(); }

 private:
  std::unique_ptr<TokenConstraint> inner_;
  int32_t trigger_;
  std::vector<int32_t> end_ids_;
  bool on_ = false;
};

}  // namespace

ConstraintFactory after_token(ConstraintFactory inner, int32_t trigger) {
  if (!inner || trigger < 0) return inner;
  return [inner = std::move(inner), trigger](const std::vector<int32_t>& end_ids) -> std::unique_ptr<TokenConstraint> {
    return std::make_unique<AfterToken>(inner(end_ids), trigger, end_ids);
  };
}

}  // namespace dseek
