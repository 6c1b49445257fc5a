// FP4 indexer keys: quantiser, key store and the scalar definition of the scores (fp4_index.h).
#include "kernels/fp4_index.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/numeric.h"
#include "runtime/error.h"

namespace dseek {

namespace {

// 2 x e2m1 magnitude of each 3-bit index, and the nibble of each code2 in [-12, 12] (-1: none).
constexpr int8_t kMag2[8] = {0, 1, 2, 3, 4, 6, 8, 12};
constexpr int8_t kNibble[25] = {15, -1, -1, -1, 14, -1, 13, -1, 12, 11, 10, 9, 0,
                                1,  2,  3,  4,  -1, 5,  -1, 6,  -1, -1, -1, 7};

int8_t nibble_value(uint8_t nib) { return static_cast<int8_t>(nib & 8 ? -kMag2[nib & 7] : kMag2[nib & 7]); }

// Byte of the group record holding (key l, dim d) and whether it is the high nibble.
inline int64_t code_byte(int64_t l, int64_t d, bool* hi) {
  const int64_t b = d / kFp4Block, r = d % kFp4Block, quad = r / 4;
  *hi = quad % 2;
  return ((b * 4 + quad / 2) * kFp4Group + l) * 4 + r % 4;
}

void check_dim(int64_t dim) {
  if (dim < 0 || dim % kFp4Block != 0)
    throw Error("FP4 indexer keys: dim " + std::to_string(dim) + " is not a multiple of " + std::to_string(kFp4Block));
}

}  // namespace

float e2m1_round(float v) {
  const float a = std::min(std::fabs(v), 6.0f);
  if (a == 0.0f) return 0.0f * v;
  // Grid quantum per binade: 0.5 below 2 (0.5 is the subnormal), 1 in [2, 4), 2 in [4, 6].
  const float q = a < 2.0f ? 0.5f : a < 4.0f ? 1.0f : 2.0f;
  const float r = std::nearbyint(a / q) * q;  // ties to even multiple = even mantissa bit
  return v < 0 ? -r : r;
}

void fp4_quantize_row(const float* x, int64_t n, int8_t* code2, uint8_t* exps) {
  const float inv6 = 1.0f / 6.0f;                          // fp32 constant: amax * (1/6) as the kernel
  const float floor_amax = 6.0f * std::ldexp(1.0f, -126);  // 6 * 2^-126
  for (int64_t c0 = 0, b = 0; c0 < n; c0 += kFp4Block, ++b) {
    const int64_t len = std::min(kFp4Block, n - c0);
    float amax = 0.0f;
    for (int64_t i = 0; i < len; ++i) amax = std::max(amax, std::fabs(x[c0 + i]));
    amax = std::max(amax, floor_amax);
    // s = 2^ceil(log2(amax / 6)) (fast_round_scale), kept as its E8M0 exponent.
    int e2 = 0;
    const float m = std::frexp(amax * inv6, &e2);
    const int e = std::clamp((m == 0.5f ? e2 - 1 : e2) + 127, 1, 254);
    exps[b] = static_cast<uint8_t>(e);
    const float s = std::ldexp(1.0f, e - 127);
    for (int64_t i = 0; i < len; ++i) {
      const float v = std::clamp(x[c0 + i] / s, -6.0f, 6.0f);
      code2[c0 + i] = std::isnan(v) ? 0 : static_cast<int8_t>(2.0f * e2m1_round(v));
    }
  }
}

float fp4_value(int8_t code2, uint8_t e) { return std::ldexp(static_cast<float>(code2), e - 128); }

Fp4Keys::Fp4Keys(int64_t dim) : dim_(dim) { check_dim(dim); }

void Fp4Keys::reserve(int64_t n) { data_.reserve(static_cast<size_t>((n + kFp4Group - 1) / kFp4Group * group_bytes())); }

void Fp4Keys::append_quantized(const float* x) {
  std::vector<int8_t> c(dim_);
  std::vector<uint8_t> e(dim_ / kFp4Block);
  fp4_quantize_row(x, dim_, c.data(), e.data());
  append(c.data(), e.data());
}

void Fp4Keys::append(const int8_t* code2, const uint8_t* exps) {
  if (dim_ == 0) throw Error("FP4 indexer keys: append to a store of dimension 0");
  const int64_t l = n_ % kFp4Group, nb = dim_ / kFp4Block;
  // Checked before anything is written: a refused key leaves the store as it was.
  std::vector<uint8_t> nib(dim_);
  for (int64_t d = 0; d < dim_; ++d) {
    const int c = code2[d];
    const int8_t v = c >= -12 && c <= 12 ? kNibble[c + 12] : -1;
    if (v < 0) throw Error("FP4 indexer keys: code " + std::to_string(c) + " at dim " + std::to_string(d) + " is not 2 x an e2m1 value");
    nib[d] = static_cast<uint8_t>(v);
  }
  for (int64_t b = 0; b < nb; ++b)
    if (exps[b] == 0 || exps[b] == 255)
      throw Error("FP4 indexer keys: scale exponent " + std::to_string(exps[b]) + " in block " + std::to_string(b) +
                  " (1 .. 254 expected)");
  if (l == 0) {  // a new record: zero codes, scales 2^0
    data_.resize(data_.size() + group_bytes(), 0);
    std::fill(data_.end() - nb * kFp4Group, data_.end(), uint8_t{127});
  }
  uint8_t* g = data_.data() + (n_ / kFp4Group) * group_bytes();
  for (int64_t d = 0; d < dim_; ++d) {
    bool hi = false;
    uint8_t& byte = g[code_byte(l, d, &hi)];
    byte = static_cast<uint8_t>(hi ? (byte & 0x0f) | (nib[d] << 4) : (byte & 0xf0) | nib[d]);
  }
  for (int64_t b = 0; b < nb; ++b) g[dim_ * 8 + b * kFp4Group + l] = exps[b];
  ++n_;
}

void Fp4Keys::codes(int64_t j, int8_t* code2, uint8_t* exps) const {
  const uint8_t* g = group(j / kFp4Group);
  const int64_t l = j % kFp4Group;
  for (int64_t d = 0; d < dim_; ++d) {
    bool hi = false;
    const uint8_t byte = g[code_byte(l, d, &hi)];
    code2[d] = nibble_value(hi ? byte >> 4 : byte & 0x0f);
  }
  for (int64_t b = 0; b < dim_ / kFp4Block; ++b) exps[b] = g[dim_ * 8 + b * kFp4Group + l];
}

void Fp4Keys::decode(int64_t j, float* out) const {
  std::vector<int8_t> c(dim_);
  std::vector<uint8_t> e(dim_ / kFp4Block);
  codes(j, c.data(), e.data());
  for (int64_t d = 0; d < dim_; ++d) out[d] = fp4_value(c[d], e[d / kFp4Block]);
}

void Fp4Keys::assign_records(int64_t n, std::vector<uint8_t> records) {
  const int64_t groups = (n + kFp4Group - 1) / kFp4Group;
  if (n < 0 || static_cast<int64_t>(records.size()) != groups * group_bytes())
    throw Error("FP4 indexer keys: " + std::to_string(records.size()) + " bytes for " + std::to_string(n) +
                " keys, expected " + std::to_string(groups * group_bytes()));
  // Scales must be normal floats (the kernels build them from the exponent bits); slots past n
  // must be empty: the scores of a partial record's unused lanes are computed too.
  for (int64_t j = 0; j < groups * kFp4Group; ++j) {
    const uint8_t* g = records.data() + (j / kFp4Group) * group_bytes();
    for (int64_t b = 0; b < dim_ / kFp4Block; ++b) {
      const uint8_t e = g[dim_ * 8 + b * kFp4Group + j % kFp4Group];
      if (e == 0 || e == 255)
        throw Error("FP4 indexer keys: key " + std::to_string(j) + " has scale exponent " + std::to_string(e) +
                    " in block " + std::to_string(b) + " (1 .. 254 expected)");
    }
    if (j < n) continue;
    for (int64_t d = 0; d < dim_; ++d) {
      bool hi = false;
      const uint8_t byte = g[code_byte(j % kFp4Group, d, &hi)];
      if ((hi ? byte >> 4 : byte & 0x0f) != 0)
        throw Error("FP4 indexer keys: slot " + std::to_string(j) + " past the " + std::to_string(n) + " keys holds a code");
    }
  }
  data_ = std::move(records);
  n_ = n;
}

void fp4_index_scores_ref(const Fp4Keys& keys, int64_t j0, int64_t j1, const int8_t* q, const uint8_t* q_exps,
                          int64_t heads, const float* w, float* out) {
  if (j0 < 0 || j0 > j1 || j1 > keys.size() || heads < 1)
    throw Error("fp4_index_scores: keys [" + std::to_string(j0) + ", " + std::to_string(j1) + ") of " +
                std::to_string(keys.size()) + ", " + std::to_string(heads) + " heads");
  const int64_t D = keys.dim(), nb = D / kFp4Block;
  std::vector<int8_t> k(D);
  std::vector<uint8_t> ke(nb);
  for (int64_t j = j0; j < j1; ++j) {
    keys.codes(j, k.data(), ke.data());
    float acc = 0.0f;
    for (int64_t h = 0; h < heads; ++h) {
      const int8_t* qh = q + h * D;
      float dot = 0.0f;
      for (int64_t b = 0; b < nb; ++b) {
        int32_t idot = 0;
        for (int64_t i = b * kFp4Block; i < (b + 1) * kFp4Block; ++i) idot += int32_t{qh[i]} * k[i];
        // s_k * s_q / 4 = 2^(ek - 127) * 2^(eq - 129): two fp32 powers of two, one product.
        const float sk = std::ldexp(1.0f, ke[b] - 127), sq = std::ldexp(1.0f, q_exps[h * nb + b] - 129);
        dot += static_cast<float>(idot) * (sk * sq);
      }
      acc += bf16_round(w[h] * std::max(bf16_round(dot), 0.0f));
    }
    out[j - j0] = bf16_round(acc);
  }
}

}  // namespace dseek
