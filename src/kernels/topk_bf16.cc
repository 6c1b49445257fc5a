#include "kernels/topk_bf16.h"

#include <cstring>
#include <numeric>

#include "kernels/ops.h"

namespace dseek {

namespace {

// An unsigned key of a bf16 pattern that orders like the value (-0 as +0).
inline uint32_t order_key(uint32_t bits) {
  uint32_t b = bits >> 16;
  if (b == 0x8000u) b = 0;
  return b & 0x8000u ? (~b & 0xffffu) : (b | 0x8000u);
}

}  // namespace

std::vector<int32_t> topk_bf16(const float* v, int64_t n, int64_t k) {
  if (k >= n) {
    std::vector<int32_t> all(static_cast<size_t>(n));
    std::iota(all.begin(), all.end(), 0);
    return all;
  }
  if (k <= 0) return {};
  thread_local std::vector<uint32_t> hist;
  hist.assign(1u << 16, 0);
  uint32_t low = 0, nonfinite = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, v + i, 4);
    low |= u & 0xffffu;
    nonfinite |= (u & 0x7f800000u) == 0x7f800000u;
    ++hist[order_key(u)];
  }
  if (low || nonfinite) return topk_indices(v, n, k);
  // The k-th largest key: above it fewer than k, down to it at least k.
  int64_t above = 0;
  uint32_t t = 0xffffu;
  for (;; --t) {
    if (above + hist[t] >= k) break;
    above += hist[t];
  }
  int64_t ties = k - above;  // of the values equal to the k-th, the lowest ids
  std::vector<int32_t> out;
  out.reserve(static_cast<size_t>(k));
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, v + i, 4);
    const uint32_t key = order_key(u);
    if (key > t || (key == t && ties-- > 0)) out.push_back(static_cast<int32_t>(i));
  }
  return out;
}

}  // namespace dseek
