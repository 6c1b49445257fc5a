#include "model_v4/hc.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/linear.h"
#include "runtime/error.h"

namespace dseek {

namespace {

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// Divides each row (by_rows) or column of the n x n matrix m by (its sum + eps).
void normalise(double* m, int n, bool by_rows, double eps) {
  for (int a = 0; a < n; ++a) {
    double s = 0;
    for (int b = 0; b < n; ++b) s += by_rows ? m[a * n + b] : m[b * n + a];
    const double inv = 1.0 / (s + eps);
    for (int b = 0; b < n; ++b) (by_rows ? m[a * n + b] : m[b * n + a]) *= inv;
  }
}

}  // namespace

void hc_mixes(const ConfigV4& c, const float* X, int64_t T, int64_t d, const Matrix& fn, float* mixes) {
  const int64_t width = static_cast<int64_t>(c.hc_mult) * d, m = fn.rows;
  if (fn.cols != width)
    throw Error(fn.name + ": has " + std::to_string(fn.cols) + " columns; hc_mult * hidden_size is " +
                std::to_string(width));
  linear(X, T, fn, mixes);
  for (int64_t t = 0; t < T; ++t) {
    const float* x = X + t * width;
    double ss = 0;
    for (int64_t i = 0; i < width; ++i) ss += static_cast<double>(x[i]) * x[i];
    const float r = static_cast<float>(1.0 / std::sqrt(ss / width + c.rms_norm_eps));
    for (int64_t i = 0; i < m; ++i) mixes[t * m + i] *= r;
  }
}

void hc_split(const ConfigV4& c, const float* mixes, int64_t T, const float* scale, const float* base,
              float* pre, float* post, float* comb) {
  const int n = c.hc_mult;
  const int64_t m = static_cast<int64_t>(2 + n) * n;
  std::vector<double> cm(static_cast<size_t>(n) * n);
  for (int64_t t = 0; t < T; ++t) {
    const float* mix = mixes + t * m;
    for (int k = 0; k < n; ++k) {
      pre[t * n + k] = static_cast<float>(sigmoid(double(mix[k]) * scale[0] + base[k]) + c.hc_eps);
      post[t * n + k] = static_cast<float>(2.0 * sigmoid(double(mix[n + k]) * scale[1] + base[n + k]));
    }
    for (int j = 0; j < n; ++j) {  // row softmax over k, + eps
      double* row = cm.data() + j * n;
      double mx = -INFINITY, s = 0;
      for (int k = 0; k < n; ++k) {
        row[k] = double(mix[2 * n + j * n + k]) * scale[2] + base[2 * n + j * n + k];
        mx = std::max(mx, row[k]);
      }
      for (int k = 0; k < n; ++k) s += row[k] = std::exp(row[k] - mx);
      for (int k = 0; k < n; ++k) row[k] = row[k] / s + c.hc_eps;
    }
    normalise(cm.data(), n, false, c.hc_eps);
    for (int it = 1; it < c.hc_sinkhorn_iters; ++it) {
      normalise(cm.data(), n, true, c.hc_eps);
      normalise(cm.data(), n, false, c.hc_eps);
    }
    for (int i = 0; i < n * n; ++i) comb[t * n * n + i] = static_cast<float>(cm[i]);
  }
}

void hc_head_pre(const ConfigV4& c, const float* mixes, int64_t T, const float* scale, const float* base,
                 float* pre) {
  const int n = c.hc_mult;
  for (int64_t t = 0; t < T; ++t)
    for (int k = 0; k < n; ++k)
      pre[t * n + k] = static_cast<float>(sigmoid(double(mixes[t * n + k]) * scale[0] + base[k]) + c.hc_eps);
}

void hc_collapse(const float* X, int64_t T, int n, int64_t d, const float* pre, float* out) {
  for (int64_t t = 0; t < T; ++t) {
    float* y = out + t * d;
    std::fill(y, y + d, 0.0f);
    for (int k = 0; k < n; ++k) {
      const float w = pre[t * n + k];
      const float* x = X + (t * n + k) * d;
      for (int64_t i = 0; i < d; ++i) y[i] += w * x[i];
    }
  }
}

void hc_expand(const float* o, const float* X, int64_t T, int n, int64_t d, const float* post,
               const float* comb, float* X_out) {
  for (int64_t t = 0; t < T; ++t)
    for (int k = 0; k < n; ++k) {
      float* y = X_out + (t * n + k) * d;
      const float p = post[t * n + k];
      const float* ot = o + t * d;
      for (int64_t i = 0; i < d; ++i) y[i] = p * ot[i];
      for (int j = 0; j < n; ++j) {
        const float w = comb[(t * n + j) * n + k];
        const float* x = X + (t * n + j) * d;
        for (int64_t i = 0; i < d; ++i) y[i] += w * x[i];
      }
    }
}

}  // namespace dseek
