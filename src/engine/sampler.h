// Token sampling from logits: penalties and logit bias, a TokenConstraint's mask (structured
// output), then greedy or temperature with top-k, top-p (nucleus), min-p, seeded.
#pragma once
#include <cstdint>
#include <memory>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/token_constraint.h"

namespace dseek {

struct SamplingParams {
  float temperature = 1.0f;  // DeepSeek's recommended default; 0 = greedy (argmax)
  int top_k = 0;             // 0 = off
  float top_p = 0.95f;       // 1 = off
  float min_p = 0.0f;        // 0 = off; keeps tokens with p >= min_p * p_max
  uint64_t seed = 0;         // 0 = non-deterministic seed
  // OpenAI's penalties over the tokens generated so far (0 = off): a token generated c times
  // has c * frequency_penalty + (c > 0) * presence_penalty subtracted from its logit.
  float presence_penalty = 0.0f, frequency_penalty = 0.0f;
  // CTRL / llama.cpp / vLLM repetition penalty over the prompt and the generated tokens
  // (1 = off, > 0): a positive logit of a token seen is divided by it, a negative one multiplied.
  float repetition_penalty = 1.0f;
  // (token id, bias) added to the logits after the penalties; a bias <= -100 bans the token
  // (its logit becomes -inf, so it is never picked), +100 all but forces it.
  std::vector<std::pair<int32_t, float>> logit_bias;
};

// The distribution one draw picks from: candidate ids and their probabilities (summing to 1).
struct TokenDist {
  std::vector<int32_t> ids;
  std::vector<double> probs;
  // Probability of `id` (0 when it is not a candidate).
  double prob(int32_t id) const;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& p);
  // The context before the first sampled token, for repetition_penalty (ignored when it is 1).
  void set_prompt(const std::vector<int32_t>& prompt);
  // Constrains every later sample: tokens `c` does not allow are never picked, and each
  // picked token advances `c`. Null: unconstrained.
  void set_constraint(std::unique_ptr<TokenConstraint> c) { constraint_ = std::move(c); }
  // True when the constraint allows nothing more (the sequence should end); false without one.
  bool constraint_done() const { return constraint_ && constraint_->done(); }
  // Picks a token id from logits[vocab] after the penalties, the logit bias and the
  // constraint's mask. Greedy ties go to the lowest id. The returned token counts as generated
  // for the penalties of later calls.
  int32_t sample(const float* logits, int64_t vocab);
  const SamplingParams& params() const { return p_; }

  // For speculative decoding (engine/speculative.h), the parts of sample() one by one:
  // the distribution sample() would draw from for these logits (penalties, bias, mask,
  // temperature, filters; greedy: the argmax with probability 1), nothing drawn or recorded.
  TokenDist distribution(const float* logits, int64_t vocab) const;
  // Records `id` as generated (penalties, constraint), as sample() does after its draw.
  void accept(int32_t id);
  // A draw from `d` (its only id without using the generator), and a uniform draw in [0, 1),
  // from the sampler's seeded generator.
  int32_t draw(const TokenDist& d);
  double uniform();

 private:
  bool penalized() const;
  void adjust(std::vector<float>& logits) const;
  int32_t pick(const std::vector<float>& logits);  // greedy or the filtered draw
  std::vector<float> adjusted(const float* logits, int64_t vocab) const;  // NaN -> -inf, adjust, mask
  // The temperature draw's candidates, most likely first, and their unnormalised
  // probabilities (the first n survive top-k, min-p and top-p).
  struct Filtered {
    std::vector<int32_t> idx;
    std::vector<double> prob;
    size_t n = 0;
  };
  Filtered filter(const std::vector<float>& logits) const;

  SamplingParams p_;
  std::mt19937_64 rng_;
  std::unordered_map<int32_t, int64_t> generated_;  // token -> times generated
  std::unordered_set<int32_t> seen_;                // prompt or generated (repetition_penalty)
  std::unique_ptr<TokenConstraint> constraint_;
};

// Index of the largest value, lowest index on ties.
int32_t argmax(const float* v, int64_t n);

}  // namespace dseek
