#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace dseek {

int32_t argmax(const float* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<int32_t>(best);
}

Sampler::Sampler(const SamplingParams& p) : p_(p), rng_(p.seed ? p.seed : std::random_device{}()) {}

int32_t Sampler::sample(const float* logits_in, int64_t vocab) {
  // NaN logits never win (std::sort needs a strict weak order).
  std::vector<float> logits(logits_in, logits_in + vocab);
  for (auto& v : logits)
    if (std::isnan(v)) v = -std::numeric_limits<float>::infinity();
  if (p_.temperature <= 0.0f) return argmax(logits.data(), vocab);
  const float inv_t = 1.0f / p_.temperature;
  const float mx = *std::max_element(logits.begin(), logits.end());
  // Normaliser over the whole vocabulary (before any filter), as the filters are defined.
  double z = 0;
  for (int64_t i = 0; i < vocab; ++i) z += std::exp(double(logits[i] - mx) * inv_t);
  auto by_logit = [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::vector<int32_t> idx(vocab);
  std::iota(idx.begin(), idx.end(), 0);
  const int64_t limit = p_.top_k > 0 && p_.top_k < vocab ? p_.top_k : vocab;
  // Sort only the head of the candidates; widen it while top-p still needs more mass.
  int64_t sorted = std::min<int64_t>(limit, 1024);
  std::partial_sort(idx.begin(), idx.begin() + sorted, idx.end(), by_logit);
  while (sorted < limit) {
    double cum = 0;
    for (int64_t i = 0; i < sorted; ++i) cum += std::exp(double(logits[idx[i]] - mx) * inv_t) / z;
    if (p_.top_p < 1.0f && cum >= p_.top_p) break;  // the rest falls outside the nucleus
    const int64_t next = std::min<int64_t>(limit, sorted * 4);
    std::partial_sort(idx.begin() + sorted, idx.begin() + next, idx.end(), by_logit);
    sorted = next;
  }
  const int64_t keep = sorted;
  std::vector<double> prob(keep);
  for (int64_t i = 0; i < keep; ++i) prob[i] = std::exp(double(logits[idx[i]] - mx) * inv_t) / z;
  size_t n = static_cast<size_t>(keep);
  if (p_.min_p > 0.0f) {
    const double thr = p_.min_p * prob[0];
    while (n > 1 && prob[n - 1] < thr) --n;
  }
  if (p_.top_p < 1.0f) {
    double cum = 0;
    for (size_t i = 0; i < n; ++i) {
      cum += prob[i];
      if (cum >= p_.top_p) {
        n = i + 1;
        break;
      }
    }
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
