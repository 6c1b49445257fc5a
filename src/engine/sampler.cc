#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace dseek {

int32_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<int32_t>(best);
}

Sampler::Sampler(const SamplingParams& p) : p_(p), rng_(p.seed ? p.seed : std::random_device{}()) {}

int32_t Sampler::sample(const float* logits, int64_t vocab) {
  if (p_.temperature <= 0.0f) return argmax(logits, vocab);
  // Candidates sorted by logit, descending; filters shrink the prefix kept.
  std::vector<int32_t> idx(vocab);
  std::iota(idx.begin(), idx.end(), 0);
  int64_t keep = vocab;
  if (p_.top_k > 0 && p_.top_k < vocab) keep = p_.top_k;
  auto by_logit = [logits](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  if (keep < vocab) {
    std::partial_sort(idx.begin(), idx.begin() + keep, idx.end(), by_logit);
    idx.resize(keep);
  } else {
    std::sort(idx.begin(), idx.end(), by_logit);
  }
  const float inv_t = 1.0f / p_.temperature;
  const float mx = logits[idx[0]];
  std::vector<double> prob(idx.size());
  double sum = 0;
  for (size_t i = 0; i < idx.size(); ++i) sum += prob[i] = std::exp((logits[idx[i]] - mx) * inv_t);
  for (auto& p : prob) p /= sum;
  size_t n = idx.size();
  if (p_.min_p > 0.0f) {
    const double thr = p_.min_p * prob[0];
    while (n > 1 && prob[n - 1] < thr) --n;
  }
  if (p_.top_p < 1.0f) {
    double cum = 0;
    size_t cut = n;
    for (size_t i = 0; i < n; ++i) {
      cum += prob[i];
      if (cum >= p_.top_p) {
        cut = i + 1;
        break;
      }
    }
    n = cut;
  }
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += prob[i];
  std::uniform_real_distribution<double> u(0.0, total);
  double r = u(rng_), acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += prob[i];
    if (r < acc) return idx[i];
  }
  return idx[n - 1];
}

}  // namespace dseek
