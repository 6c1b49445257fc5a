#include "kernels/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "kernels/numeric.h"

namespace dseek {

void rmsnorm(const float* x, int64_t T, int64_t n, const float* w, float eps, float* y) {
  for (int64_t t = 0; t < T; ++t) {
    const float* xr = x + t * n;
    float* yr = y + t * n;
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    const float r = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
    for (int64_t i = 0; i < n; ++i) yr[i] = w[i] * (xr[i] * r);
  }
}

void layernorm(const float* x, int64_t T, int64_t n, const float* w, const float* b, float eps,
               float* y) {
  for (int64_t t = 0; t < T; ++t) {
    const float* xr = x + t * n;
    float* yr = y + t * n;
    double mu = 0;
    for (int64_t i = 0; i < n; ++i) mu += xr[i];
    mu /= n;
    double var = 0;
    for (int64_t i = 0; i < n; ++i) var += (xr[i] - mu) * (xr[i] - mu);
    var /= n;
    const double r = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < n; ++i) yr[i] = static_cast<float>((xr[i] - mu) * r) * w[i] + b[i];
  }
}

void softmax(float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  if (!std::isfinite(m)) {  // nothing allowed: all zero rather than NaN
    std::fill(x, x + n, 0.0f);
    return;
  }
  double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    s += x[i];
  }
  const float inv = static_cast<float>(1.0 / s);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu(float* g, const float* u, int64_t n) {
  for (int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void round_bf16(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = bf16_round(x[i]);
}

void hadamard(float* x, int64_t T, int64_t n) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(n));
  for (int64_t t = 0; t < T; ++t) {
    float* v = x + t * n;
    for (int64_t h = 1; h < n; h *= 2)
      for (int64_t i = 0; i < n; i += 2 * h)
        for (int64_t j = i; j < i + h; ++j) {
          const float a = v[j], b = v[j + h];
          v[j] = a + b;
          v[j + h] = a - b;
        }
    for (int64_t i = 0; i < n; ++i) v[i] *= scale;
  }
}

std::vector<int32_t> topk_ordered(const float* v, int64_t n, int64_t k) {
  std::vector<int32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  k = std::min(k, n);
  auto better = [v](int32_t a, int32_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); };
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), better);
  idx.resize(k);
  return idx;
}

std::vector<int32_t> topk_indices(const float* v, int64_t n, int64_t k) {
  std::vector<int32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  if (k < n) {
    auto better = [v](int32_t a, int32_t b) { return v[a] > v[b] || (v[a] == v[b] && a < b); };
    std::nth_element(idx.begin(), idx.begin() + k, idx.end(), better);
    idx.resize(k);
    std::sort(idx.begin(), idx.end());
  }
  return idx;
}

}  // namespace dseek
