// dseek::TokenConstraint — a per-sequence rule on which tokens may be sampled (structured
// output). The engine only masks logits and feeds back the sampled token; what the rule is (a
// JSON Schema automaton, src/structured) lives above the engine, so the engine does not
// depend on any grammar.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace dseek {

class TokenConstraint {
 public:
  virtual ~TokenConstraint() = default;
  // Sets logits[t] to -inf for every token t in [0, vocab) that may not come next. The end
  // tokens the constraint was made with stay allowed only where the output may end.
  virtual void mask(float* logits, int64_t vocab) = 0;
  // Advances by the sampled token. A token mask() did not allow (every token was banned, e.g.
  // by logit_bias) leaves the constraint violated: done() turns true.
  virtual void accept(int32_t token) = 0;
  // True when nothing may follow: the output is complete and no token can extend it (or the
  // constraint was violated). The sequence ends there.
  virtual bool done() const = 0;
};

// Makes one sequence's constraint; `end_ids` are the ids that end the sequence (EOS, the chat
// format's end of turn, stop_token_ids). Called once per sequence, so choices of one request
// (n > 1) each get their own state. Empty: no constraint.
using ConstraintFactory = std::function<std::unique_ptr<TokenConstraint>(const std::vector<int32_t>& end_ids)>;

// `inner` applied only after `trigger` (e.g. `</think>`) has been sampled: before it every
// token is allowed except the end ids (the constrained part must still come), from the token
// after it on, `inner`'s mask. trigger < 0: `inner` from the first token.
ConstraintFactory after_token(ConstraintFactory inner, int32_t trigger);

}  // namespace dseek
