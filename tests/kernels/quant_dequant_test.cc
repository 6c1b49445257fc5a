// dequant_row_ref against ggml's own dequantisation (golden.quant.safetensors `dequant.*`,
// bit for bit), Q4_1 and IQ3_XXS (no golden) against blocks built by hand and decoded by
// the format definition, and the format constants against checksums of ggml's tables.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>

#include "kernels/quant/blocks.h"
#include "kernels/quant/grids.h"
#include "kernels/quant/quant.h"
#include "runtime/error.h"
#include "test_paths.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

uint64_t fnv1a(const void* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 0x100000001b3ull;
  return h;
}

TEST(QuantDequant, GridTablesAreGgmls) {
  // FNV-1a of the little-endian bytes of ggml-common.h's iq2xxs_grid, iq3xxs_grid, iq1s_grid.
  EXPECT_EQ(fnv1a(quant::iq2xxs_grid, sizeof(quant::iq2xxs_grid)), 0xbb4ee025b5ac6e8eull);
  EXPECT_EQ(fnv1a(quant::iq3xxs_grid, sizeof(quant::iq3xxs_grid)), 0xdfa5dc83d6a155d5ull);
  EXPECT_EQ(fnv1a(quant::iq1s_grid, sizeof(quant::iq1s_grid)), 0x6703ed863501ae2eull);
  EXPECT_EQ(quant::iq2xxs_grid[0], 0x0808080808080808ull);
  EXPECT_EQ(quant::iq3xxs_grid[255], 0x3e341c04u);
  EXPECT_EQ(quant::iq1s_grid[0], 0xffffffffffffffffull);
  const uint8_t ggml_signs_head[8] = {0, 129, 130, 3, 132, 5, 6, 135};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(quant::ksigns_iq2xs[i], ggml_signs_head[i]);
  EXPECT_EQ(quant::ksigns_iq2xs[127], 255);
  EXPECT_EQ(quant::kvalues_iq4nl[0], -127);
  EXPECT_EQ(quant::kvalues_iq4nl[15], 113);
}

TEST(QuantDequant, Fp16ToF32ExactForEveryCode) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const int e = (h >> 10) & 31, m = h & 1023;
    const float s = (h & 0x8000) ? -1.0f : 1.0f;
    const float f = quant::fp16_to_f32(static_cast<uint16_t>(h));
    if (e == 31) {
      if (m == 0) EXPECT_EQ(f, s * INFINITY);
      else EXPECT_TRUE(std::isnan(f)) << h;
      continue;
    }
    const float want = e == 0 ? s * std::ldexp(static_cast<float>(m), -24)
                              : s * std::ldexp(static_cast<float>(1024 + m), e - 25);
    ASSERT_EQ(std::memcmp(&f, &want, 4), 0) << "fp16 code " << h;
  }
}

// Every `dequant.<TYPE>.<i>` of the golden file: each raw row dequantised equals `values`.
TEST(QuantDequant, GoldenBitExact) {
  const std::string p = data_path("fixtures/gguf/gguf-v32/golden.quant.safetensors");
  ASSERT_FALSE(p.empty()) << "golden.quant.safetensors missing";
  auto g = SafetensorsFile::open(p);
  std::set<std::string> types;
  int samples = 0;
  for (const auto& [name, raw] : g->tensors()) {
    if (name.rfind("dequant.", 0) != 0 || name.size() < 4 || name.substr(name.size() - 4) != ".raw") continue;
    const std::string stem = name.substr(0, name.size() - 4);
    const std::string tname = stem.substr(8, stem.rfind('.') - 8);
    DType t;
    ASSERT_TRUE(parse_dtype_any(tname, &t)) << tname;
    const TensorView& vals = g->get(stem + ".values");
    const int64_t R = raw.dim(0), rb = raw.dim(1), ne0 = vals.dim(1);
    ASSERT_EQ(vals.dim(0), R);
    ASSERT_EQ(static_cast<int64_t>(dtype_row_bytes(t, ne0)), rb) << stem;
    std::vector<float> got(ne0);
    for (int64_t r = 0; r < R; ++r) {
      dequant_row_ref(t, raw.data + r * rb, got.data(), ne0);
      const float* want = reinterpret_cast<const float*>(vals.data) + r * ne0;
      for (int64_t i = 0; i < ne0; ++i)
        ASSERT_EQ(std::memcmp(&got[i], &want[i], 4), 0)
            << stem << " row " << r << " element " << i << ": " << got[i] << " vs " << want[i];
    }
    types.insert(tname);
    ++samples;
  }
  const std::set<std::string> want{"BF16", "F32",  "Q8_0",   "Q6_K",   "Q5_K",    "Q4_K", "Q3_K", "Q2_K",
                                   "Q5_1", "Q5_0", "Q4_0", "IQ4_XS", "IQ4_NL", "IQ2_XXS", "IQ1_S"};
  EXPECT_EQ(types, want);
  EXPECT_GE(samples, 27);
}

uint16_t f16_bits(float f) {  // f must be zero or exactly representable as a normal fp16
  if (f == 0.0f) return std::signbit(f) ? 0x8000 : 0;
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const int e = static_cast<int>((u >> 23) & 255) - 127 + 15;
  return static_cast<uint16_t>(((u >> 16) & 0x8000) | (e << 10) | ((u >> 13) & 1023));
}

// Q4_1: x = d * q + m, q the low nibble of byte j for element j, the high nibble for j + 16.
TEST(QuantDequant, Q4_1ByDefinition) {
  std::mt19937 rng(5);
  const float ds[3] = {0.0625f, 1.5f, -0.75f}, ms[3] = {-0.3125f, 2.0f, 0.0f};
  std::vector<uint8_t> row(3 * 20);
  std::vector<float> want(96);
  for (int b = 0; b < 3; ++b) {
    uint8_t* blk = row.data() + 20 * b;
    const uint16_t dh = f16_bits(ds[b]), mh = f16_bits(ms[b]);
    std::memcpy(blk, &dh, 2);
    std::memcpy(blk + 2, &mh, 2);
    for (int j = 0; j < 16; ++j) {
      const int lo = rng() % 16, hi = rng() % 16;
      blk[4 + j] = static_cast<uint8_t>(lo | (hi << 4));
      want[32 * b + j] = ds[b] * lo + ms[b];
      want[32 * b + j + 16] = ds[b] * hi + ms[b];
    }
  }
  std::vector<float> got(96);
  dequant_row_ref(DType::Q4_1, row.data(), got.data(), 96);
  for (int i = 0; i < 96; ++i) ASSERT_EQ(got[i], want[i]) << i;
}

// IQ3_XXS: 64 grid-index bytes (two 4-element points per group of 8), then per 32-element
// group a uint32 of four 7-bit sign indices and a 4-bit scale s; x = d * (0.5 + s) / 2 *
// grid byte * sign, the sign bit j of ksigns[index] negating element j of the group.
TEST(QuantDequant, IQ3_XXSByDefinition) {
  std::mt19937 rng(11);
  std::vector<uint8_t> blk(98);
  const float d = 0.01171875f;  // 3 * 2^-8
  const uint16_t dh = f16_bits(d);
  std::memcpy(blk.data(), &dh, 2);
  for (int i = 0; i < 64; ++i) blk[2 + i] = static_cast<uint8_t>(rng());
  uint32_t ss[8];
  for (int ib = 0; ib < 8; ++ib) {
    ss[ib] = static_cast<uint32_t>(rng());
    std::memcpy(blk.data() + 66 + 4 * ib, &ss[ib], 4);
  }
  std::vector<float> got(256);
  dequant_row_ref(DType::IQ3_XXS, blk.data(), got.data(), 256);
  for (int ib = 0; ib < 8; ++ib)
    for (int l = 0; l < 4; ++l) {
      const int sidx = (ss[ib] >> (7 * l)) & 127;
      int parity = 0;
      for (int b = 0; b < 7; ++b) parity ^= (sidx >> b) & 1;
      const int signs = sidx | (parity << 7);
      for (int j = 0; j < 8; ++j) {
        const uint8_t gi = blk[2 + 8 * ib + 2 * l + j / 4];
        const int mag = (quant::iq3xxs_grid[gi] >> (8 * (j % 4))) & 255;
        const float want = static_cast<float>(d * (0.5 + (ss[ib] >> 28)) * 0.5 * mag * ((signs >> j) & 1 ? -1 : 1));
        ASSERT_EQ(got[32 * ib + 8 * l + j], want) << ib << " " << l << " " << j;
      }
    }
}

TEST(QuantDequant, PlainTypesAndErrors) {
  const uint16_t h[4] = {0x3c00, 0xc000, 0x0001, 0x7bff};  // 1, -2, 2^-24, 65504
  float f[4];
  dequant_row_ref(DType::F16, reinterpret_cast<const uint8_t*>(h), f, 4);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -2.0f);
  EXPECT_EQ(f[2], std::ldexp(1.0f, -24));
  EXPECT_EQ(f[3], 65504.0f);
  const uint16_t b[2] = {0x3f80, 0xc040};
  dequant_row_ref(DType::BF16, reinterpret_cast<const uint8_t*>(b), f, 2);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -3.0f);
  std::vector<uint8_t> blk(34, 0);
  EXPECT_THROW(dequant_row_ref(DType::Q8_0, blk.data(), f, 16), Error);
  EXPECT_THROW(dequant_row_ref(DType::I32, blk.data(), f, 4), Error);
}

}  // namespace
}  // namespace dseek::test
