// Token sampling from logits: greedy, temperature, top-k, top-p (nucleus), min-p, seeded.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace dseek {

struct SamplingParams {
  float temperature = 1.0f;  // DeepSeek's recommended default; 0 = greedy (argmax)
  int top_k = 0;             // 0 = off
  float top_p = 0.95f;       // 1 = off
  float min_p = 0.0f;        // 0 = off; keeps tokens with p >= min_p * p_max
  uint64_t seed = 0;         // 0 = non-deterministic seed
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& p);
  // Picks a token id from logits[vocab]. Greedy ties go to the lowest id.
  int32_t sample(const float* logits, int64_t vocab);
  const SamplingParams& params() const { return p_; }

 private:
  SamplingParams p_;
  std::mt19937_64 rng_;
};

// Index of the largest value, lowest index on ties.
int32_t argmax(const float* v, int64_t n);

}  // namespace dseek
