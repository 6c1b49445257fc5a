// DeepSeek-V4's weight formats as Matrix kinds: FP8 e4m3 with E8M0 (power-of-two) 128x128 block
// scales, and FP4 e2m1 (two codes a byte) with an E8M0 scale per 32 columns, the scale bytes
// read as stored.
//   * the oracle's unit vectors (e8m0.codes/values, fp4.weight/scale/dequant) bit-exact;
//   * random matrices of both kinds through linear, linear_prefill, linear_mixed and
//     accumulate_rows against linear_reference, on every compiled SIMD target; linear_prefill
//     and accumulate_rows equal an F32 matrix of the dequantised weights bit for bit (the
//     scales are powers of two, every decoded weight exact); batched decode equals
//     single-token decode bit for bit;
//   * weight_matrix binding V4 tensors through a Checkpoint (synthetic safetensors, and the
//     tiny-v4 fixture's tensors kept in tests/data), and its errors on malformed tensors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>
#include <vector>

#include "../model/golden.h"
#include "hwy/targets.h"
#include "kernels/gemm_hwy.h"
#include "kernels/linear.h"
#include "kernels/matrix.h"
#include "kernels/numeric.h"
#include "kernels/test_matrices.h"
#include "kernels/weight_matrix.h"
#include "runtime/error.h"
#include "runtime/threads.h"
#include "weights/checkpoint.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

// The README's definitions, written out independently of the library's tables.
double e8m0_ref(uint8_t c) { return c == 255 ? NAN : std::ldexp(1.0, int(c) - 127); }
double e2m1_ref(int code) {
  const int e = (code >> 1) & 3, m = code & 1;
  const double mag = e == 0 ? 0.5 * m : std::ldexp(1.0 + 0.5 * m, e - 1);
  return code & 8 ? -mag : mag;
}
uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// ---- unit vectors of the oracle ---------------------------------------------------------

class UnitGoldenV4 : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string p = data_path("fixtures-v4/unit/golden.unit.safetensors");
    ASSERT_FALSE(p.empty()) << "tests/data/fixtures-v4/unit/golden.unit.safetensors";
    g_ = SafetensorsFile::open(p);
  }
  std::unique_ptr<SafetensorsFile> g_;
};

TEST_F(UnitGoldenV4, E8M0AllCodesBitExact) {
  const std::vector<uint8_t> codes = as_u8(g_->get("e8m0.codes"));
  const std::vector<double> values = as_f64(g_->get("e8m0.values"));
  ASSERT_EQ(codes.size(), 256u);
  for (size_t i = 0; i < codes.size(); ++i) {
    const float want = static_cast<float>(values[i]);  // exact: every E8M0 value is an fp32
    if (std::isnan(values[i])) {
      EXPECT_EQ(codes[i], 255) << i;
      EXPECT_TRUE(std::isnan(e8m0_to_f32(codes[i])));
      EXPECT_TRUE(std::isnan(kE8M0Table[codes[i]]));
      continue;
    }
    ASSERT_EQ(static_cast<double>(want), values[i]) << "code " << int(codes[i]);
    EXPECT_EQ(bits(e8m0_to_f32(codes[i])), bits(want)) << "code " << int(codes[i]);
    EXPECT_EQ(bits(kE8M0Table[codes[i]]), bits(want)) << "code " << int(codes[i]);
  }
  EXPECT_EQ(e8m0_to_f32(0), std::ldexp(1.0f, -127));  // an fp32 subnormal, not 0
  EXPECT_EQ(e8m0_to_f32(127), 1.0f);
  EXPECT_EQ(e8m0_to_f32(254), std::ldexp(1.0f, 127));
}

TEST_F(UnitGoldenV4, Fp4DequantBitExact) {
  const TensorView& w = g_->get("fp4.weight");
  const TensorView& s = g_->get("fp4.scale");
  EXPECT_EQ(w.dtype, DType::I8);
  EXPECT_EQ(s.dtype, DType::F8_E8M0);
  const std::vector<float> want = as_f32(g_->get("fp4.dequant"));
  const int64_t rows = w.dim(0), cols = 2 * w.dim(1);
  const Matrix m = weight_matrix(w, &s, rows, cols);
  ASSERT_EQ(m.dtype, DType::F4_E2M1);
  ASSERT_EQ(m.scale_e8m0, s.data);  // the stored bytes, not a copy
  ASSERT_EQ(static_cast<int64_t>(want.size()), rows * cols);
  std::vector<float> row(cols);
  for (int64_t r = 0; r < rows; ++r) {
    m.row(r, row.data());
    for (int64_t c = 0; c < cols; ++c) {
      ASSERT_EQ(bits(row[c]), bits(want[r * cols + c])) << r << "," << c;
      ASSERT_EQ(bits(m.at(r, c)), bits(want[r * cols + c])) << r << "," << c;
    }
  }
  // The kernels multiply exactly these weights: accumulate_rows with one-hot coefficients
  // gives each row back, and the prefill GEMM with unit vectors each column.
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> a(rows, 0.0f), y(cols, 0.0f);
    a[r] = 1.0f;
    accumulate_rows(a.data(), rows, m, 0, y.data());
    for (int64_t c = 0; c < cols; ++c) ASSERT_EQ(y[c], want[r * cols + c] + 0.0f) << r << "," << c;
  }
  std::vector<float> eye(cols * cols, 0.0f), y(cols * rows);
  for (int64_t c = 0; c < cols; ++c) eye[c * cols + c] = 1.0f;
  linear_prefill(eye.data(), cols, m, y.data());
  for (int64_t c = 0; c < cols; ++c)
    for (int64_t r = 0; r < rows; ++r) ASSERT_EQ(y[c * rows + r], want[r * cols + c] + 0.0f) << r << "," << c;
}

// ---- random matrices ----------------------------------------------------------------------

// A random V4 matrix: F4_E2M1 (random bytes: every code, -0 included; scale codes 119..129)
// or F8_E4M3 with E8M0 block scales (codes without NaN; scale codes 115..123), a seventh of
// the scales codes 0..3 (2^-127.. : subnormal weights, still exact), its scale bytes, and its
// dequantised copy (by the README's formula, in double) as an F32 matrix.
struct V4Matrix {
  std::vector<uint8_t> data, scale;
  std::vector<float> deq;
  Matrix m, f32;
  V4Matrix(DType t, int64_t rows, int64_t cols, uint32_t seed) {
    std::mt19937 g(seed);
    m.dtype = t;
    m.rows = rows;
    m.cols = cols;
    m.name = "w";
    deq.resize(rows * cols);
    if (t == DType::F4_E2M1) {
      data.resize(rows * cols / 2);
      for (auto& b : data) b = static_cast<uint8_t>(g());
      scale.resize(rows * cols / 32);
      for (auto& s : scale) s = static_cast<uint8_t>(g() % 7 == 0 ? g() % 4 : 119 + g() % 11);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          const int code = (data[r * cols / 2 + c / 2] >> (4 * (c % 2))) & 15;
          deq[r * cols + c] = static_cast<float>(e2m1_ref(code) * e8m0_ref(scale[r * (cols / 32) + c / 32]));
        }
    } else {
      data.resize(rows * cols);
      for (auto& b : data) {
        b = static_cast<uint8_t>(g());
        if ((b & 0x7f) == 0x7f) b = 0x00;  // no NaN codes
      }
      const int64_t sc = (cols + 127) / 128;
      scale.resize(((rows + 127) / 128) * sc);
      for (auto& s : scale) s = static_cast<uint8_t>(g() % 7 == 0 ? g() % 4 : 115 + g() % 9);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          deq[r * cols + c] = static_cast<float>(double(e4m3_to_f32(data[r * cols + c])) *
                                                 e8m0_ref(scale[(r / 128) * sc + c / 128]));
    }
    m.data = data.data();
    m.scale_e8m0 = scale.data();
    f32 = f32_matrix(deq.data(), rows, cols);
  }
  double row_norm(int64_t r) const {
    double s = 0;
    for (int64_t c = 0; c < m.cols; ++c) s += double(deq[r * m.cols + c]) * deq[r * m.cols + c];
    return std::sqrt(s);
  }
};

double norm(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += double(x[i]) * x[i];
  return std::sqrt(s);
}

void expect_close(const std::vector<float>& y, const std::vector<float>& yr, const V4Matrix& w,
                  const std::vector<float>& x, int64_t T, const char* what) {
  const int64_t n = w.m.rows, K = w.m.cols;
  for (int64_t t = 0; t < T; ++t) {
    const double xn = norm(x.data() + t * K, K);
    for (int64_t j = 0; j < n; ++j)
      ASSERT_NEAR(y[t * n + j], yr[t * n + j], 1e-5 * xn * w.row_norm(j) + 1e-30)
          << what << " " << dtype_name(w.m.dtype) << " " << n << "x" << K << " T=" << T << " t=" << t << " row=" << j;
  }
}

const DType kV4Types[] = {DType::F4_E2M1, DType::F8_E4M3};

std::vector<std::pair<int64_t, int64_t>> shapes(DType t) {
  if (t == DType::F4_E2M1) return {{37, 96}, {67, 512}, {9, 32}, {130, 1056}};
  return {{37, 96}, {67, 512}, {130, 1030}, {5, 17}};  // FP8: partial 128-blocks too
}

void check_kernels(DType t, int64_t rows, int64_t cols, const std::vector<int64_t>& Ts) {
  V4Matrix w(t, rows, cols, 1000 + rows + cols + static_cast<int>(t));
  // Reference: the Matrix's own dequantisation equals the formula's.
  for (int64_t r = 0; r < rows; r += 7)
    for (int64_t c = 0; c < cols; ++c) ASSERT_EQ(bits(w.m.at(r, c)), bits(w.deq[r * cols + c])) << r << "," << c;
  for (int64_t T : Ts) {
    std::vector<float> x = random_x(T * cols, 7 + T), y(T * rows), yr(T * rows), yf(T * rows);
    linear_reference(x.data(), T, w.m, yr.data());
    linear_reference(x.data(), T, w.f32, yf.data());
    expect_close(yr, yf, w, x, T, "linear_reference vs F32");
    linear(x.data(), T, w.m, y.data());
    expect_close(y, yr, w, x, T, "linear");
    // Exact decoders: the same chain as the F32 matrix of the dequantised weights.
    linear_prefill(x.data(), T, w.m, y.data());
    expect_close(y, yr, w, x, T, "linear_prefill");
    linear_prefill(x.data(), T, w.f32, yf.data());
    for (size_t i = 0; i < y.size(); ++i)
      ASSERT_EQ(y[i], yf[i]) << "prefill vs F32 " << dtype_name(t) << " " << rows << "x" << cols << " T=" << T << " i=" << i;
    // Mixed: every other token through the prefill GEMM.
    std::vector<uint8_t> pre(T);
    for (int64_t i = 0; i < T; ++i) pre[i] = i % 2;
    linear_mixed(x.data(), T, w.m, y.data(), pre.data());
    expect_close(y, yr, w, x, T, "linear_mixed");
    // A row range gives the rows of the full product.
    if (rows > 5) {
      std::vector<float> full(T * rows), part(T * 3);
      linear(x.data(), T, w.m, full.data());
      linear(x.data(), T, w.m, part.data(), 2, 3);
      for (int64_t tt = 0; tt < T; ++tt)
        for (int j = 0; j < 3; ++j) ASSERT_EQ(part[tt * 3 + j], full[tt * rows + 2 + j]);
      linear_prefill(x.data(), T, w.m, part.data(), 2, 3);
      linear_prefill(x.data(), T, w.m, full.data());
      for (int64_t tt = 0; tt < T; ++tt)
        for (int j = 0; j < 3; ++j) ASSERT_EQ(part[tt * 3 + j], full[tt * rows + 2 + j]);
    }
  }
  // accumulate_rows: y += sum_j a[j] W[r0 + j]; against the dequantised rows in double, and bit
  // for bit against the F32 matrix (power-of-two scales: every coefficient product is exact).
  const int64_t r0 = rows > 2 ? 1 : 0, n = rows > 2 ? rows - 2 : rows;
  std::vector<float> a = random_x(n, 3), y(cols, 0.25f), yf(cols, 0.25f);
  accumulate_rows(a.data(), n, w.m, r0, y.data());
  accumulate_rows(a.data(), n, w.f32, r0, yf.data());
  for (int64_t c = 0; c < cols; ++c) {
    double want = 0.25, scale = 0;
    for (int64_t j = 0; j < n; ++j) {
      want += double(a[j]) * w.deq[(r0 + j) * cols + c];
      scale += std::fabs(double(a[j]) * w.deq[(r0 + j) * cols + c]);
    }
    ASSERT_NEAR(y[c], want, 1e-5 * (scale + 0.25)) << "accumulate_rows " << dtype_name(t) << " col " << c;
    ASSERT_EQ(y[c], yf[c]) << "accumulate_rows vs F32 " << dtype_name(t) << " col " << c;
  }
}

TEST(V4Linear, AllKernelsMatchReference) {
  for (DType t : kV4Types)
    for (auto [rows, cols] : shapes(t)) {
      check_kernels(t, rows, cols, {1, 2, 3, 4, 5, 9, 37});
      if (HasFatalFailure()) return;
    }
}

// The same on every SIMD target this build has and the CPU runs (FP4: AVX-512's 16-entry
// table, AVX2's 8-entry magnitude table and sign, the buffered decode of the 4-lane and scalar
// targets).
TEST(V4Linear, EveryCompiledTarget) {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(simd_target_name());
    for (DType t : kV4Types) {
      check_kernels(t, 19, 512, {1, 4, 9});
      if (t == DType::F8_E4M3) check_kernels(t, 19, 300, {1, 9});
      if (HasFatalFailure()) break;
    }
    hwy::SetSupportedTargetsForTest(0);
    if (HasFatalFailure()) return;
  }
}

// Batched decode equals single-token decode bit for bit, whatever the thread count, on row
// counts that leave rows past the 8 bands and on the blocked (T >= 8) path.
TEST(V4Linear, BatchedEqualsAloneAnyThreads) {
  const int before = num_threads();
  for (DType t : kV4Types)
    for (int64_t rows : {1, 13, 1027}) {
      const int64_t cols = t == DType::F4_E2M1 ? 1024 : 1100;
      V4Matrix w(t, rows, cols, 77 + rows);
      std::vector<float> x = random_x(11 * cols, 5);
      std::vector<float> alone(11 * rows);
      set_num_threads(1);
      for (int64_t i = 0; i < 11; ++i) linear(x.data() + i * cols, 1, w.m, alone.data() + i * rows);
      for (int threads : {1, 2})
        for (int64_t T : {2, 3, 4, 5, 11}) {
          set_num_threads(threads);
          std::vector<float> yb(T * rows);
          linear(x.data(), T, w.m, yb.data());
          for (int64_t i = 0; i < T * rows; ++i)
            ASSERT_EQ(yb[i], alone[i]) << dtype_name(t) << " rows " << rows << " T " << T << " threads " << threads
                                       << " token " << i / rows << " row " << i % rows;
        }
    }
  set_num_threads(before);
}

// FP8 with E8M0 scales computes what FP8 with the same scales as fp32 computes, bit for bit,
// on every path: the scale bytes are only another spelling of the same powers of two.
TEST(V4Linear, Fp8E8M0EqualsFp8F32Scales) {
  for (auto [rows, cols] : {std::pair<int64_t, int64_t>{130, 1030}, {300, 256}, {7, 50}}) {
    V4Matrix w(DType::F8_E4M3, rows, cols, 5 + rows);
    std::vector<float> fs(w.scale.size());
    for (size_t i = 0; i < fs.size(); ++i) fs[i] = e8m0_to_f32(w.scale[i]);
    Matrix m32 = w.m;
    m32.scale_e8m0 = nullptr;
    m32.scale = fs.data();
    EXPECT_EQ(w.m.bytes(), static_cast<size_t>(rows * cols) + w.scale.size());
    EXPECT_EQ(m32.bytes(), static_cast<size_t>(rows * cols) + 4 * w.scale.size());
    for (int64_t T : {1, 3, 8, 33}) {
      std::vector<float> x = random_x(T * cols, 11 + T), a(T * rows), b(T * rows);
      linear(x.data(), T, w.m, a.data());
      linear(x.data(), T, m32, b.data());
      for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "linear T=" << T;
      linear_prefill(x.data(), T, w.m, a.data());
      linear_prefill(x.data(), T, m32, b.data());
      for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "linear_prefill T=" << T;
    }
    std::vector<float> c = random_x(rows, 2), ya(cols, 0.0f), yb(cols, 0.0f);
    accumulate_rows(c.data(), rows, w.m, 0, ya.data());
    accumulate_rows(c.data(), rows, m32, 0, yb.data());
    for (int64_t i = 0; i < cols; ++i) ASSERT_EQ(ya[i], yb[i]);
  }
}

TEST(V4Linear, MatrixAccessors) {
  V4Matrix w(DType::F4_E2M1, 3, 96, 9);
  EXPECT_EQ(w.m.row_bytes(), 48);
  EXPECT_EQ(w.m.bytes(), static_cast<size_t>(3 * 48 + 3 * 3));  // codes + one scale byte a 32
  for (int64_t r = 0; r < 3; ++r)
    for (auto [c0, n] : {std::pair<int64_t, int64_t>{0, -1}, {5, 40}, {31, 2}, {89, 7}, {32, 64}, {1, 1}}) {
      const int64_t len = n < 0 ? 96 - c0 : n;
      std::vector<float> out(len);
      w.m.row(r, out.data(), c0, n);
      for (int64_t i = 0; i < len; ++i) ASSERT_EQ(bits(out[i]), bits(w.deq[r * 96 + c0 + i])) << c0 << "+" << i;
    }
}

TEST(V4Linear, MissingScalesAndPartialGroupsRefused) {
  std::vector<uint8_t> w(64 * 4, 0), s(16, 127);
  std::vector<float> x(128, 1.0f), y(4);
  Matrix fp4{DType::F4_E2M1, 2, 48, w.data(), nullptr, "fp4", s.data()};  // 48: one and a half groups
  EXPECT_THROW(linear(x.data(), 1, fp4, y.data()), Error);
  EXPECT_THROW(linear_prefill(x.data(), 1, fp4, y.data()), Error);
  EXPECT_THROW(accumulate_rows(y.data(), 2, fp4, 0, x.data()), Error);
  Matrix noscale{DType::F4_E2M1, 2, 64, w.data(), nullptr, "fp4"};
  EXPECT_THROW(linear(x.data(), 1, noscale, y.data()), Error);
  Matrix fp8{DType::F8_E4M3, 2, 64, w.data(), nullptr, "fp8"};
  EXPECT_THROW(linear_prefill(x.data(), 1, fp8, y.data()), Error);
}

// ---- binding V4 tensors through a Checkpoint ----------------------------------------------

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("dseek_v4w_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

TensorData bytes_tensor(const std::string& name, DType t, std::vector<int64_t> shape, const std::vector<uint8_t>& b) {
  return TensorData{name, t, std::move(shape), b};
}

// A V4-style directory: config.json (model_type deepseek_v4, which V3's config refuses) and
// one shard with an FP4 expert and an FP8 attention projection with E8M0 scales, plus the
// given extra tensors.
std::unique_ptr<Checkpoint> write_v4_dir(const TempDir& d, std::vector<TensorData> extra = {}) {
  std::ofstream(d.path / "config.json") << R"({"model_type": "deepseek_v4", "hidden_size": 64})";
  V4Matrix e(DType::F4_E2M1, 48, 64, 1), a(DType::F8_E4M3, 200, 64, 2);
  std::vector<TensorData> t{
      bytes_tensor("layers.0.ffn.experts.3.w1.weight", DType::I8, {48, 32}, e.data),
      bytes_tensor("layers.0.ffn.experts.3.w1.scale", DType::F8_E8M0, {48, 2}, e.scale),
      bytes_tensor("layers.0.attn.wq_a.weight", DType::F8_E4M3, {200, 64}, a.data),
      bytes_tensor("layers.0.attn.wq_a.scale", DType::F8_E8M0, {2, 1}, a.scale),
  };
  for (auto& x : extra) t.push_back(std::move(x));
  write_safetensors((d.path / "model.safetensors").string(), t);
  return Checkpoint::open_tensors(d.path.string());
}

TEST(V4Weights, BindsFp4ExpertAndFp8AttentionThroughCheckpoint) {
  TempDir d("bind");
  EXPECT_THROW(Checkpoint::open(d.path.string()), Error);  // no config.json yet
  auto ck = write_v4_dir(d);
  EXPECT_THROW(Checkpoint::open(d.path.string()), Error);  // V3's config refuses deepseek_v4
  EXPECT_EQ(ck->get("layers.0.attn.wq_a.scale").dtype, DType::F8_E8M0);
  const Matrix e = weight_matrix(*ck, "layers.0.ffn.experts.3.w1.weight", 48, 64);
  EXPECT_EQ(e.dtype, DType::F4_E2M1);
  EXPECT_EQ(e.data, ck->get("layers.0.ffn.experts.3.w1.weight").data);
  EXPECT_EQ(e.scale_e8m0, ck->get("layers.0.ffn.experts.3.w1.scale").data);
  EXPECT_EQ(e.scale, nullptr);
  EXPECT_EQ(e.bytes(), size_t(48 * 32 + 48 * 2));
  const Matrix a = weight_matrix(*ck, "layers.0.attn.wq_a.weight", 200, 64);
  EXPECT_EQ(a.dtype, DType::F8_E4M3);
  EXPECT_EQ(a.scale_e8m0, ck->get("layers.0.attn.wq_a.scale").data);
  EXPECT_EQ(a.scale, nullptr);
  V4Matrix ew(DType::F4_E2M1, 48, 64, 1), aw(DType::F8_E4M3, 200, 64, 2);  // the same contents
  for (int64_t r = 0; r < 48; ++r)
    for (int64_t c = 0; c < 64; ++c) ASSERT_EQ(bits(e.at(r, c)), bits(ew.deq[r * 64 + c]));
  for (int64_t r = 0; r < 200; ++r)
    for (int64_t c = 0; c < 64; ++c) ASSERT_EQ(bits(a.at(r, c)), bits(aw.deq[r * 64 + c]));
  // And through the kernels.
  std::vector<float> x = random_x(3 * 64, 1), y(3 * 200), yf(3 * 200);
  linear_prefill(x.data(), 3, a, y.data());
  linear_prefill(x.data(), 3, aw.f32, yf.data());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], yf[i]);
}

// The error of binding `name` as [rows, cols], or "" when it binds.
std::string bind_error(const Checkpoint& ck, const std::string& name, int64_t rows, int64_t cols) {
  try {
    weight_matrix(ck, name, rows, cols);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(V4Weights, MalformedTensorsNameFileAndTensor) {
  TempDir d("bad");
  const std::vector<uint8_t> b63(16 * 63, 0x21), b32(16 * 32, 0x21), s2(16 * 2, 127), s4f(16 * 2 * 4, 0);
  auto ck = write_v4_dir(d, {
                                // odd packed width: 63 bytes (126 columns)
                                bytes_tensor("odd.weight", DType::I8, {16, 63}, b63),
                                bytes_tensor("odd.scale", DType::F8_E8M0, {16, 2}, s2),
                                // FP4 scales as F32
                                bytes_tensor("f32scale.weight", DType::I8, {16, 32}, b32),
                                bytes_tensor("f32scale.scale", DType::F32, {16, 2}, s4f),
                                // FP4 scales one a 64 columns
                                bytes_tensor("shape.weight", DType::I8, {16, 32}, b32),
                                bytes_tensor("shape.scale", DType::F8_E8M0, {16, 1}, std::vector<uint8_t>(16, 127)),
                                // FP4 without scales
                                bytes_tensor("noscale.weight", DType::I8, {16, 32}, b32),
                                // FP8 scales as BF16
                                bytes_tensor("fp8.weight", DType::F8_E4M3, {16, 64}, std::vector<uint8_t>(16 * 64, 0)),
                                bytes_tensor("fp8.scale", DType::BF16, {1, 1}, std::vector<uint8_t>(2, 0)),
                                // FP8 scales of the wrong shape
                                bytes_tensor("fp8s.weight", DType::F8_E4M3, {16, 64}, std::vector<uint8_t>(16 * 64, 0)),
                                bytes_tensor("fp8s.scale", DType::F8_E8M0, {1, 2}, std::vector<uint8_t>(2, 127)),
                            });
  const std::string file = (d.path / "model.safetensors").string();
  struct Case {
    std::string name, tensor, says;
    int64_t rows, cols;
  };
  const std::vector<Case> cases{
      {"odd.weight", "odd.weight", "odd packed FP4 width", 16, 128},
      {"odd.weight", "odd.weight", "odd packed FP4 width", 16, 126},
      {"f32scale.weight", "f32scale.scale", "has dtype F32, expected F8_E8M0", 16, 64},
      {"shape.weight", "shape.scale", "has shape [16, 1], expected [16, 2]", 16, 64},
      {"layers.0.ffn.experts.3.w1.weight", "layers.0.ffn.experts.3.w1.weight", "expected [48, 48]", 48, 96},
      {"fp8.weight", "fp8.scale", "has dtype BF16", 16, 64},
      {"fp8s.weight", "fp8s.scale", "has shape [1, 2], expected [1, 1]", 16, 64},
  };
  for (const Case& c : cases) {
    const std::string e = bind_error(*ck, c.name, c.rows, c.cols);
    EXPECT_NE(e.find(file), std::string::npos) << e;
    EXPECT_NE(e.find("'" + c.tensor + "'"), std::string::npos) << e;
    EXPECT_NE(e.find(c.says), std::string::npos) << e;
  }
  // A missing scale names the directory and the tensor it looked for.
  const std::string e = bind_error(*ck, "noscale.weight", 16, 64);
  EXPECT_NE(e.find(d.path.string()), std::string::npos) << e;
  EXPECT_NE(e.find("'noscale.scale'"), std::string::npos) << e;
  // FP4 columns that are not whole 32-column groups, though the packed width is even.
  const std::string g = bind_error(*ck, "odd.weight", 16, 126);
  EXPECT_NE(g.find("'odd.weight'"), std::string::npos) << g;
}

// The tiny-v4 fixture's tensors (tests/data/fixtures-v4/tiny-v4-tensors: copies of a few of
// ../shared/fixtures-v4/tiny-v4's tensors, byte for byte): an FP8 attention projection and a
// routed expert in FP4, bound with the real names, dtypes and shapes and dequantised by the
// README's formula.
TEST(V4Weights, TinyV4FixtureTensors) {
  const std::string dir = data_path("fixtures-v4/tiny-v4-tensors");
  ASSERT_FALSE(dir.empty());
  auto ck = Checkpoint::open_tensors(dir);
  struct W {
    std::string name;
    int64_t rows, cols;
    DType kind;
  };
  // hidden 256, q_lora 128, moe_inter 128 (fixtures-v4/README.md).
  for (const W& w : {W{"layers.1.attn.wq_a.weight", 128, 256, DType::F8_E4M3},
                     W{"layers.1.ffn.experts.0.w1.weight", 128, 256, DType::F4_E2M1},
                     W{"layers.1.ffn.experts.0.w3.weight", 128, 256, DType::F4_E2M1},
                     W{"layers.1.ffn.experts.0.w2.weight", 256, 128, DType::F4_E2M1},
                     W{"layers.1.ffn.shared_experts.w2.weight", 256, 128, DType::F8_E4M3}}) {
    SCOPED_TRACE(w.name);
    const Matrix m = weight_matrix(*ck, w.name, w.rows, w.cols);
    ASSERT_EQ(m.dtype, w.kind);
    ASSERT_NE(m.scale_e8m0, nullptr);
    const TensorView& s = ck->get(w.name.substr(0, w.name.size() - 6) + "scale");
    std::vector<float> deq(w.rows * w.cols);
    double sum = 0;
    for (int64_t r = 0; r < w.rows; ++r)
      for (int64_t c = 0; c < w.cols; ++c) {
        double v;
        if (w.kind == DType::F4_E2M1) {
          v = e2m1_ref((m.data[r * w.cols / 2 + c / 2] >> (4 * (c % 2))) & 15) * e8m0_ref(s.data[r * (w.cols / 32) + c / 32]);
        } else {
          v = double(e4m3_to_f32(m.data[r * w.cols + c])) * e8m0_ref(s.data[(r / 128) * s.dim(1) + c / 128]);
        }
        deq[r * w.cols + c] = static_cast<float>(v);
        sum += std::fabs(v);
        ASSERT_EQ(bits(m.at(r, c)), bits(deq[r * w.cols + c])) << r << "," << c;
      }
    // The fixture's weights have the std its generator gave them (in^-0.5), so the
    // dequantisation is not off by a power of two.
    const double mean_abs = sum / (w.rows * w.cols), want = std::sqrt(2.0 / M_PI) / std::sqrt(double(w.cols));
    EXPECT_NEAR(mean_abs, want, 0.3 * want);
    const Matrix f32 = f32_matrix(deq.data(), w.rows, w.cols);
    std::vector<float> x = random_x(5 * w.cols, 3), y(5 * w.rows), yf(5 * w.rows);
    linear_prefill(x.data(), 5, m, y.data());
    linear_prefill(x.data(), 5, f32, yf.data());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], yf[i]);
  }
}

}  // namespace
}  // namespace dseek::test
