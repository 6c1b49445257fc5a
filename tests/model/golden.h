// Reading golden tensors (../shared/fixtures layout) for the parity tests.
#pragma once
#include <algorithm>
#include <cmath>
#include <functional>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/numeric.h"
#include "test_paths.h"
#include "weights/safetensors.h"

namespace dseek::test {

inline std::vector<float> as_f32(const TensorView& t) {
  std::vector<float> v(t.numel());
  if (t.dtype == DType::F32) {
    std::memcpy(v.data(), t.data, v.size() * 4);
  } else if (t.dtype == DType::F64) {
    for (size_t i = 0; i < v.size(); ++i) {
      double d;
      std::memcpy(&d, t.data + 8 * i, 8);
      v[i] = static_cast<float>(d);
    }
  } else if (t.dtype == DType::BF16) {
    for (size_t i = 0; i < v.size(); ++i) {
      uint16_t b;
      std::memcpy(&b, t.data + 2 * i, 2);
      v[i] = bf16_to_f32(b);
    }
  } else if (t.dtype == DType::F8_E4M3) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = e4m3_to_f32(t.data[i]);
  }
  return v;
}

inline std::vector<double> as_f64(const TensorView& t) {
  std::vector<double> v(t.numel());
  std::memcpy(v.data(), t.data, v.size() * 8);
  return v;
}

inline std::vector<int64_t> as_i64(const TensorView& t) {
  std::vector<int64_t> v(t.numel());
  std::memcpy(v.data(), t.data, v.size() * 8);
  return v;
}

// An I64 tensor of token ids as the int32 ids the models take.
inline std::vector<int32_t> as_token_ids(const TensorView& t) {
  const std::vector<int64_t> v = as_i64(t);
  return std::vector<int32_t>(v.begin(), v.end());
}

inline std::vector<uint8_t> as_u8(const TensorView& t) { return std::vector<uint8_t>(t.data, t.data + t.numel()); }

inline float max_abs_diff(const float* a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

inline double rel_rms(const std::vector<float>& got, const std::vector<float>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    num += double(got[i] - want[i]) * (got[i] - want[i]);
    den += double(want[i]) * want[i];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}

inline int64_t argmax_row(const float* v, int64_t n) {
  int64_t b = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[b]) b = i;
  return b;
}

// The golden gap between the k-th and (k+1)-th largest index score of a query row (scores of
// positions 0..n-1), relative to the row's max |score|: how near a tie the k-th choice was.
inline float relative_topk_gap(const float* row, int64_t n, size_t k) {
  std::vector<float> sorted(row, row + n);
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  float mx = 0;
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, std::fabs(row[i]));
  if (k == 0 || k >= sorted.size() || mx == 0) return 1e30f;
  return (sorted[k - 1] - sorted[k]) / mx;
}

}  // namespace dseek::test
