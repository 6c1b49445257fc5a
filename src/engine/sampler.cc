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

bool Sampler::penalized() const {
  return p_.presence_penalty != 0.0f || p_.frequency_penalty != 0.0f || p_.repetition_penalty != 1.0f;
}

void Sampler::set_prompt(const std::vector<int32_t>& prompt) {
  if (p_.repetition_penalty != 1.0f) seen_.insert(prompt.begin(), prompt.end());
}

void Sampler::adjust(std::vector<float>& logits) const {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  if (p_.repetition_penalty != 1.0f)
    for (int32_t t : seen_) {
      if (t < 0 || t >= vocab) continue;
      float& l = logits[t];
      l = l > 0 ? l / p_.repetition_penalty : l * p_.repetition_penalty;
    }
  for (const auto& [t, c] : generated_)
    if (t >= 0 && t < vocab) logits[t] -= static_cast<float>(c) * p_.frequency_penalty + p_.presence_penalty;
  // Bans last, so no penalty can lift a banned token back.
  const float ninf = -std::numeric_limits<float>::infinity();
  for (const auto& [t, b] : p_.logit_bias)
    if (t >= 0 && t < vocab) logits[t] = b <= -100.0f ? ninf : logits[t] + b;
}

double TokenDist::prob(int32_t id) const {
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] == id) return probs[i];
  return 0.0;
}

std::vector<float> Sampler::adjusted(const float* logits_in, int64_t vocab) const {
  // NaN logits never win (std::sort needs a strict weak order).
  std::vector<float> logits(logits_in, logits_in + vocab);
  for (auto& v : logits)
    if (std::isnan(v)) v = -std::numeric_limits<float>::infinity();
  adjust(logits);
  if (constraint_) constraint_->mask(logits.data(), vocab);  // after the bias: nothing lifts a masked token
  return logits;
}

int32_t Sampler::sample(const float* logits_in, int64_t vocab) {
  const int32_t id = pick(adjusted(logits_in, vocab));
  accept(id);
  return id;
}

void Sampler::accept(int32_t id) {
  if (constraint_) constraint_->accept(id);
  if (penalized()) {
    ++generated_[id];
    if (p_.repetition_penalty != 1.0f) seen_.insert(id);
  }
}

// Greedy, or nothing left to draw from (every logit -inf): the argmax, as greedy would.
static bool greedy_pick(const SamplingParams& p, const std::vector<float>& logits) {
  return p.temperature <= 0.0f ||
         *std::max_element(logits.begin(), logits.end()) == -std::numeric_limits<float>::infinity();
}

TokenDist Sampler::distribution(const float* logits_in, int64_t vocab) const {
  const std::vector<float> logits = adjusted(logits_in, vocab);
  TokenDist d;
  if (greedy_pick(p_, logits)) {
    d.ids = {argmax(logits.data(), vocab)};
    d.probs = {1.0};
    return d;
  }
  const Filtered f = filter(logits);
  double total = 0;
  for (size_t i = 0; i < f.n; ++i) total += f.prob[i];
  for (size_t i = 0; i < f.n; ++i)
    if (f.prob[i] > 0) {
      d.ids.push_back(f.idx[i]);
      d.probs.push_back(f.prob[i] / total);
    }
  return d;
}

double Sampler::uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

int32_t Sampler::draw(const TokenDist& d) {
  if (d.ids.size() == 1) return d.ids[0];
  const double r = uniform();
  double acc = 0;
  for (size_t i = 0; i < d.ids.size(); ++i) {
    acc += d.probs[i];
    if (r < acc) return d.ids[i];
  }
  return d.ids.back();  // rounding left r at the total
}

int32_t Sampler::pick(const std::vector<float>& logits) {
  if (greedy_pick(p_, logits)) return argmax(logits.data(), static_cast<int64_t>(logits.size()));
  const Filtered f = filter(logits);
  const std::vector<int32_t>& idx = f.idx;
  const std::vector<double>& prob = f.prob;
  size_t n = f.n;
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += prob[i];
  std::uniform_real_distribution<double> u(0.0, total);
  double r = u(rng_), acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += prob[i];
    if (r < acc) return idx[i];
  }
  // Rounding left r at the total: the last token that has any mass (never a banned one).
  while (n > 1 && prob[n - 1] <= 0) --n;
  return idx[n - 1];
}

Sampler::Filtered Sampler::filter(const std::vector<float>& logits) const {
  const int64_t vocab = static_cast<int64_t>(logits.size());
  const float mx = *std::max_element(logits.begin(), logits.end());
  const float inv_t = 1.0f / p_.temperature;
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
  return Filtered{std::move(idx), std::move(prob), n};
}

}  // namespace dseek
