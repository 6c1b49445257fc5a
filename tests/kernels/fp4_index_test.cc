// FP4 indexer keys (kernels/fp4_index.h): the quantiser's codes and scales, the key store's
// layout round trip and its checks, the scalar score definition against the true dot products
// (computed in double from the simulated values), and the SIMD scores equal to the definition
// bit for bit on every target this build has and the CPU runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "hwy/targets.h"
#include "kernels/fp4_index.h"
#include "kernels/numeric.h"
#include "runtime/error.h"

namespace dseek::test {
namespace {

// Rows of n values whose blocks of 32 have magnitudes spread over 2^-spread .. 2^spread (so
// that both scales vary per key and per head), some all-zero blocks, exact grid points and ties.
std::vector<float> random_rows(int64_t rows, int64_t n, uint64_t seed, int spread = 6) {
  std::mt19937_64 g(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::uniform_int_distribution<int> e(-spread, spread), pick(0, 15);
  std::vector<float> x(rows * n);
  for (int64_t b = 0; b < rows * n / kFp4Block; ++b) {
    const int kind = pick(g);
    const float s = std::ldexp(1.0f, e(g));
    for (int64_t i = 0; i < kFp4Block; ++i) {
      float& v = x[b * kFp4Block + i];
      if (kind == 0) v = 0.0f;                                         // all zero
      else if (kind == 1) v = s * 0.25f * static_cast<float>(pick(g) - 8);  // ties of the grid
      else v = s * d(g);
    }
  }
  return x;
}

struct Keys {
  Fp4Keys store;
  std::vector<int8_t> code;   // [n, dim]
  std::vector<uint8_t> exps;  // [n, dim / 32]
};

Keys make_keys(int64_t n, int64_t dim, uint64_t seed, int spread = 6) {
  Keys k{Fp4Keys(dim), std::vector<int8_t>(n * dim), std::vector<uint8_t>(n * dim / kFp4Block)};
  const std::vector<float> x = random_rows(n, dim, seed, spread);
  for (int64_t j = 0; j < n; ++j) {
    fp4_quantize_row(x.data() + j * dim, dim, k.code.data() + j * dim, k.exps.data() + j * dim / kFp4Block);
    k.store.append(k.code.data() + j * dim, k.exps.data() + j * dim / kFp4Block);
  }
  return k;
}

TEST(Fp4Index, QuantiserCodesAndPowerOfTwoScales) {
  std::vector<float> x(64, 0.0f);
  // Block 0: amax 6 -> scale 1 (exponent 127); 1.2 -> 1 (code 2), -0.7 -> -0.5 (code -1),
  // 0.25 -> 0 (tie to even), 5 -> 4 (tie to even, code 8).
  x[0] = 6.0f, x[1] = 1.2f, x[2] = -0.7f, x[3] = 0.25f, x[4] = 5.0f;
  // Block 1: amax 7 -> 7/6 -> scale 2 (exponent 128); 7 / 2 = 3.5 -> 4 (code 8), -1 -> -0.5.
  x[32] = 7.0f, x[33] = -1.0f;
  std::vector<int8_t> c(64);
  uint8_t e[2];
  fp4_quantize_row(x.data(), 64, c.data(), e);
  EXPECT_EQ(e[0], 127);
  EXPECT_EQ(e[1], 128);
  const int8_t want0[] = {12, 2, -1, 0, 8};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c[i], want0[i]) << i;
  EXPECT_EQ(c[32], 8);
  EXPECT_EQ(c[33], -1);
  EXPECT_EQ(fp4_value(c[32], e[1]), 8.0f);
  EXPECT_EQ(fp4_value(c[33], e[1]), -1.0f);
  // An all-zero block: scale 2^-126 (the floored amax), zero codes.
  std::vector<float> z(32, 0.0f);
  fp4_quantize_row(z.data(), 32, c.data(), e);
  EXPECT_EQ(e[0], 1);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(c[i], 0);
  // Every value is 2 x e2m1_round(x / s) * s / 2 with s = 2^(e - 127), a power of two in
  // (amax / 12, amax / 6]; re-quantising the simulated values gives them back.
  const std::vector<float> r = random_rows(8, 128, 3);
  std::vector<int8_t> rc(128);
  std::vector<uint8_t> re(4);
  for (int64_t row = 0; row < 8; ++row) {
    fp4_quantize_row(r.data() + row * 128, 128, rc.data(), re.data());
    std::vector<float> sim(128), back(128);
    for (int64_t b = 0; b < 4; ++b) {
      const float s = std::ldexp(1.0f, re[b] - 127);
      float amax = 0;
      for (int64_t i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(r[row * 128 + b * 32 + i]));
      if (amax > 0) {
        EXPECT_GE(6.0f * s, amax * (1 - 1e-6f));
        EXPECT_LT(3.0f * s, amax * (1 + 1e-6f));
      }
      for (int64_t i = 0; i < 32; ++i) {
        const int64_t k = b * 32 + i;
        EXPECT_EQ(rc[k], 2.0f * e2m1_round(std::clamp(r[row * 128 + k] / s, -6.0f, 6.0f)));
        sim[k] = fp4_value(rc[k], re[b]);
        EXPECT_EQ(sim[k], bf16_round(sim[k]));  // exact in bf16
      }
    }
    std::vector<int8_t> c2(128);
    std::vector<uint8_t> e2(4);
    fp4_quantize_row(sim.data(), 128, c2.data(), e2.data());
    for (int64_t k = 0; k < 128; ++k) back[k] = fp4_value(c2[k], e2[k / 32]);
    EXPECT_EQ(back, sim);
  }
}

TEST(Fp4Index, KeyStoreRoundTripsAndChecksItsInput) {
  const int64_t dim = 128, n = 37;  // two full records and a partial one
  Keys k = make_keys(n, dim, 11);
  EXPECT_EQ(k.store.size(), n);
  EXPECT_EQ(k.store.group_bytes(), 128 * 8 + 4 * 16);
  EXPECT_EQ(k.store.bytes(), 3u * (128 * 8 + 4 * 16));  // 68 bytes a key (fp32: 512)
  std::vector<int8_t> c(dim);
  std::vector<uint8_t> e(dim / 32);
  std::vector<float> v(dim);
  for (int64_t j = 0; j < n; ++j) {
    k.store.codes(j, c.data(), e.data());
    ASSERT_EQ(std::memcmp(c.data(), k.code.data() + j * dim, dim), 0) << j;
    ASSERT_EQ(std::memcmp(e.data(), k.exps.data() + j * dim / 32, dim / 32), 0) << j;
    k.store.decode(j, v.data());
    for (int64_t d = 0; d < dim; ++d) ASSERT_EQ(v[d], fp4_value(c[d], e[d / 32])) << j << " " << d;
  }
  // The layout: key 17's dims 8 .. 15 of block 1 are record 1, step 1 * 4 + 1, slot 1.
  const uint8_t* rec = k.store.group(1);
  for (int i = 0; i < 4; ++i) {
    const uint8_t byte = rec[((1 * 4 + 1) * 16 + 1) * 4 + i];
    k.store.codes(17, c.data(), e.data());
    auto nib_value = [](uint8_t nib) {
      const int m[8] = {0, 1, 2, 3, 4, 6, 8, 12};
      return (nib & 8) ? -m[nib & 7] : m[nib & 7];
    };
    EXPECT_EQ(nib_value(byte & 15), c[32 + 8 + i]);
    EXPECT_EQ(nib_value(byte >> 4), c[32 + 12 + i]);
  }
  // Records round trip; bad records and codes are refused, naming what is wrong.
  Fp4Keys copy(dim);
  copy.assign_records(n, k.store.records());
  EXPECT_EQ(copy.records(), k.store.records());
  EXPECT_EQ(copy.size(), n);
  auto error_of = [](auto f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  std::string err = error_of([&] { copy.assign_records(49, k.store.records()); });  // 4 records' worth
  EXPECT_NE(err.find("for 49 keys"), std::string::npos) << err;
  EXPECT_EQ(copy.size(), n);  // a refused assignment leaves the store
  std::vector<uint8_t> bad = k.store.records();
  bad.pop_back();
  EXPECT_NE(error_of([&] { copy.assign_records(n, bad); }).find("expected"), std::string::npos);
  bad = k.store.records();
  bad[2 * k.store.group_bytes() + (15 * 4)] = 0x11;  // slot 47 (past the 37 keys) holds codes
  EXPECT_NE(error_of([&] { copy.assign_records(n, bad); }).find("past the 37 keys"), std::string::npos);
  bad = k.store.records();
  bad[dim * 8] = 0;  // key 0's block 0 scale exponent 0
  EXPECT_NE(error_of([&] { copy.assign_records(n, bad); }).find("scale exponent 0"), std::string::npos);
  std::vector<int8_t> off(dim, 0);
  off[5] = 5;  // 2.5: not an e2m1 value
  err = error_of([&] { copy.append(off.data(), e.data()); });
  EXPECT_NE(err.find("code 5 at dim 5"), std::string::npos) << err;
  EXPECT_EQ(copy.size(), n);
  EXPECT_NE(error_of([] { Fp4Keys bad_dim(100); }).find("dim 100"), std::string::npos);
}

// The heads' dot products in double from the simulated values (exact: the products are exact
// and their sum fits a double), then the official bf16 reduction. With magnitudes within
// 2^-1 .. 2^1 the scales are within 2^-2 .. 2^1, so the sums are multiples of 2^-6 below 2^15:
// exact in fp32 too, and the definition must give exactly these floats.
std::vector<float> true_scores(const Keys& k, int64_t dim, const std::vector<int8_t>& q, const std::vector<uint8_t>& qe,
                               int64_t heads, const std::vector<float>& w) {
  std::vector<float> out;
  for (int64_t j = 0; j < k.store.size(); ++j) {
    float acc = 0;
    for (int64_t h = 0; h < heads; ++h) {
      double dot = 0;
      for (int64_t d = 0; d < dim; ++d)
        dot += double(fp4_value(q[h * dim + d], qe[h * dim / 32 + d / 32])) *
               double(fp4_value(k.code[j * dim + d], k.exps[j * dim / 32 + d / 32]));
      acc += bf16_round(w[h] * std::max(bf16_round(static_cast<float>(dot)), 0.0f));
    }
    out.push_back(bf16_round(acc));
  }
  return out;
}

struct Case {
  int64_t dim, heads, n;
};

void check_against_reference(const Case& cs, uint64_t seed, bool vs_true) {
  SCOPED_TRACE("dim " + std::to_string(cs.dim) + " heads " + std::to_string(cs.heads) + " keys " + std::to_string(cs.n));
  const int spread = vs_true ? 1 : 6;
  const Keys k = make_keys(cs.n, cs.dim, seed, spread);
  std::vector<int8_t> q(cs.heads * cs.dim);
  std::vector<uint8_t> qe(cs.heads * cs.dim / 32);
  const std::vector<float> qx = random_rows(cs.heads, cs.dim, seed + 1, spread);
  for (int64_t h = 0; h < cs.heads; ++h)
    fp4_quantize_row(qx.data() + h * cs.dim, cs.dim, q.data() + h * cs.dim, qe.data() + h * cs.dim / 32);
  std::mt19937_64 g(seed + 2);
  std::uniform_real_distribution<float> u(-0.5f, 1.0f);  // some negative head weights
  std::vector<float> w(cs.heads);
  for (float& x : w) x = bf16_round(u(g));
  std::vector<float> ref(cs.n), got(cs.n, -1.0f);
  fp4_index_scores_ref(k.store, 0, cs.n, q.data(), qe.data(), cs.heads, w.data(), ref.data());
  if (vs_true) {
    const std::vector<float> want = true_scores(k, cs.dim, q, qe, cs.heads, w);
    ASSERT_EQ(ref, want);
    int positive = 0;
    for (float s : ref) positive += s > 0;
    EXPECT_GT(positive, cs.n / 4);  // the data exercises the ReLU and the weights
  }
  fp4_index_scores(k.store, 0, cs.n, q.data(), qe.data(), cs.heads, w.data(), got.data());
  for (int64_t j = 0; j < cs.n; ++j) ASSERT_EQ(got[j], ref[j]) << "key " << j;
  // A range that starts and ends inside records.
  const int64_t j0 = std::min<int64_t>(3, cs.n), j1 = std::max<int64_t>(j0, cs.n - 5);
  std::vector<float> part(j1 - j0 + 1, -7.0f);
  fp4_index_scores(k.store, j0, j1, q.data(), qe.data(), cs.heads, w.data(), part.data());
  for (int64_t j = j0; j < j1; ++j) ASSERT_EQ(part[j - j0], ref[j]) << "key " << j;
  EXPECT_EQ(part.back(), -7.0f);  // nothing written past j1
}

const Case kCases[] = {{128, 64, 100}, {128, 16, 37}, {64, 5, 21}, {32, 3, 16}, {128, 9, 1}};

TEST(Fp4Index, ReferenceIsTheExactDotProductThroughTheBf16Reduction) {
  for (const Case& cs : kCases) check_against_reference(cs, 100 + cs.dim + cs.heads, true);
}

// Every target the CPU runs, one at a time (the kernel's file also builds AVX3_DL, VNNI, which
// this test's own target list may lack): AVX3_DL, AVX3, AVX2, SSE4 / SSSE3 (vpmaddubsw on
// 4 lanes), and the scalar definition on the others.
TEST(Fp4Index, EveryTargetTheCpuRunsEqualsTheReference) {
  const int64_t supported = hwy::SupportedTargets();
  for (int64_t target = 1; target > 0; target <<= 1) {
    if (!(supported & target)) continue;
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    for (const Case& cs : kCases) {
      check_against_reference(cs, 7 + cs.n, false);
      if (HasFatalFailure()) break;
    }
    hwy::SetSupportedTargetsForTest(0);
    if (HasFatalFailure()) return;
  }
}

TEST(Fp4Index, BadRangesAreRefused) {
  const Keys k = make_keys(20, 64, 5);
  std::vector<int8_t> q(64);
  std::vector<uint8_t> qe(2, 127);
  float w = 1, out[32];
  EXPECT_THROW(fp4_index_scores(k.store, 0, 21, q.data(), qe.data(), 1, &w, out), Error);
  EXPECT_THROW(fp4_index_scores(k.store, 5, 4, q.data(), qe.data(), 1, &w, out), Error);
  EXPECT_THROW(fp4_index_scores(k.store, 0, 4, q.data(), qe.data(), 0, &w, out), Error);
  fp4_index_scores(k.store, 4, 4, q.data(), qe.data(), 1, &w, out);  // empty: fine
}

}  // namespace
}  // namespace dseek::test
