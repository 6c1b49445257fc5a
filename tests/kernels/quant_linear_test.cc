// The kernels over ggml block-quantised (and F16) weights: random valid blocks (random bytes,
// sane fp16 scales) through linear, linear_prefill, linear_mixed and accumulate_rows against
// linear_reference (dequant_row_ref), and the exactness of the SIMD block decoders: the
// prefill GEMM and accumulate_rows give bit for bit what an F32 matrix holding the dequantised
// weights gives, since they run the same FMA chain on them. Batched decode equals one token at
// a time, bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "hwy/targets.h"
#include "kernels/gemm_hwy.h"
#include "kernels/linear.h"
#include "kernels/matrix.h"
#include "kernels/quant/quant.h"
#include "runtime/error.h"
#include "runtime/threads.h"
#include "kernels/test_matrices.h"

namespace dseek::test {
namespace {

const DType kBlockTypes[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0,    DType::Q5_1,    DType::Q8_0,
                             DType::Q2_K, DType::Q3_K, DType::Q4_K,    DType::Q5_K,    DType::Q6_K,
                             DType::IQ2_XXS, DType::IQ3_XXS, DType::IQ1_S, DType::IQ4_NL, DType::IQ4_XS};

// Byte offsets of a block's fp16 scales (d, and m / dmin where the type has one).
std::vector<int> f16_fields(DType t) {
  switch (t) {
    case DType::Q4_1: case DType::Q5_1: case DType::Q4_K: case DType::Q5_K: return {0, 2};
    case DType::Q2_K: return {80, 82};
    case DType::Q3_K: return {108};
    case DType::Q6_K: return {208};
    default: return {0};
  }
}

uint16_t random_f16(std::mt19937& g, int emin, int emax) {
  const uint32_t e = emin + g() % (emax - emin + 1), m = g() % 1024, s = g() % 2;
  return static_cast<uint16_t>((s << 15) | (e << 10) | m);
}

// A [rows, cols] matrix of random valid blocks (or random F16 values), and its dequantised
// copy as an F32 matrix.
struct QuantMatrix {
  std::vector<uint8_t> data;
  std::vector<float> deq;
  Matrix m, f32;
  QuantMatrix(DType t, int64_t rows, int64_t cols, uint32_t seed) {
    std::mt19937 g(seed);
    const int64_t rb = static_cast<int64_t>(dtype_row_bytes(t, cols));
    data.resize(rows * rb);
    for (auto& b : data) b = static_cast<uint8_t>(g());
    if (t == DType::F16) {
      for (int64_t i = 0; i < rows * cols; ++i) {
        const uint16_t h = random_f16(g, 8, 16);
        std::memcpy(data.data() + 2 * i, &h, 2);
      }
    } else {
      const int64_t bb = static_cast<int64_t>(dtype_block_bytes(t));
      for (int64_t b = 0; b < rows * rb / bb; ++b)
        for (int off : f16_fields(t)) {
          const uint16_t h = random_f16(g, 5, 10);  // 2^-10 .. 2^-4
          std::memcpy(data.data() + b * bb + off, &h, 2);
        }
    }
    m = Matrix{t, rows, cols, data.data(), nullptr, "w"};
    deq.resize(rows * cols);
    for (int64_t r = 0; r < rows; ++r) dequant_row_ref(t, data.data() + r * rb, deq.data() + r * cols, cols);
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

std::vector<std::pair<int64_t, int64_t>> shapes(DType t) {
  if (t == DType::F16) return {{37, 48}, {67, 512}, {5, 1000}};
  if (dtype_block_elems(t) == 32) return {{37, 96}, {67, 512}, {9, 128}};
  return {{37, 256}, {67, 768}, {9, 1536}};
}

std::vector<DType> all_types() {
  std::vector<DType> v(std::begin(kBlockTypes), std::end(kBlockTypes));
  v.push_back(DType::F16);
  return v;
}

void expect_close(const std::vector<float>& y, const std::vector<float>& yr, const QuantMatrix& w,
                  const std::vector<float>& x, int64_t T, const char* what) {
  const int64_t n = w.m.rows, K = w.m.cols;
  for (int64_t t = 0; t < T; ++t) {
    const double xn = norm(x.data() + t * K, K);
    for (int64_t j = 0; j < n; ++j) {
      const double tol = 1e-5 * xn * w.row_norm(j) + 1e-30;
      ASSERT_NEAR(y[t * n + j], yr[t * n + j], tol)
          << what << " " << dtype_name(w.m.dtype) << " " << n << "x" << K << " T=" << T << " t=" << t << " row=" << j;
    }
  }
}

void check_kernels(DType t, int64_t rows, int64_t cols, const std::vector<int64_t>& Ts) {
  {
    {
      QuantMatrix w(t, rows, cols, 100 + rows + cols + static_cast<int>(t));
      ASSERT_EQ(w.m.bytes(), dtype_row_bytes(t, cols) * rows);
      for (int64_t T : Ts) {
        std::vector<float> x = random_x(T * cols, 7 + T), y(T * rows), yr(T * rows), yf(T * rows);
        linear_reference(x.data(), T, w.m, yr.data());
        linear(x.data(), T, w.m, y.data());
        expect_close(y, yr, w, x, T, "linear");
        if (t == DType::F16) {  // plain type: the F32 chain
          linear(x.data(), T, w.f32, yf.data());
          for (size_t i = 0; i < y.size(); ++i) ASSERT_EQ(y[i], yf[i]) << "F16 linear vs F32 T=" << T << " i=" << i;
        }
        // Exact decoders: the same chain as the F32 matrix of the dequantised weights.
        linear_prefill(x.data(), T, w.m, y.data());
        expect_close(y, yr, w, x, T, "linear_prefill");
        linear_prefill(x.data(), T, w.f32, yf.data());
        for (size_t i = 0; i < y.size(); ++i)
          ASSERT_EQ(y[i], yf[i]) << "prefill vs F32 " << dtype_name(t) << " " << rows << "x" << cols << " T=" << T;
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
        }
      }
      // accumulate_rows: y += sum_j a[j] W[r0 + j]; against the dequantised rows in double.
      const int64_t r0 = 1, n = rows - 2;
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
        ASSERT_EQ(y[c], yf[c]) << "accumulate_rows vs F32 " << dtype_name(t);
      }
    }
  }
}

TEST(QuantLinear, AllKernelsMatchReference) {
  for (DType t : all_types())
    for (auto [rows, cols] : shapes(t)) {
      check_kernels(t, rows, cols, {1, 2, 3, 4, 5, 9, 37});
      if (HasFatalFailure()) return;
    }
}

// The same on every SIMD target this build has and the CPU runs (AVX2's 8-lane and SSE4's
// 4-lane decoders, the buffered fallback of the scalar target).
TEST(QuantLinear, EveryCompiledTarget) {
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(simd_target_name());
    for (DType t : all_types()) {
      check_kernels(t, 19, shapes(t)[1].second, {1, 4, 9});
      if (HasFatalFailure()) break;
    }
    hwy::SetSupportedTargetsForTest(0);
    if (HasFatalFailure()) return;
  }
}

// Batched decode equals single-token decode bit for bit, whatever the thread count, on row
// counts that leave rows past the 8 bands and on the blocked (T >= 8) path.
TEST(QuantLinear, BatchedEqualsAloneAnyThreads) {
  const int before = num_threads();
  for (DType t : {DType::Q8_0, DType::Q4_K, DType::Q2_K, DType::IQ2_XXS, DType::Q6_K, DType::IQ1_S, DType::IQ4_NL,
                  DType::Q5_0, DType::F16})
    for (int64_t rows : {1, 13, 1027}) {
      const int64_t cols = dtype_block_elems(t) == 32 || t == DType::F16 ? 1024 : 1536;
      QuantMatrix w(t, rows, cols, 77 + rows);
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

TEST(QuantLinear, PartialBlocksRefused) {
  std::vector<uint8_t> w(34 * 4, 0);
  Matrix m{DType::Q8_0, 2, 48, w.data(), nullptr, "w"};  // 48 columns: one and a half Q8_0 blocks
  std::vector<float> x(48, 1.0f), y(2);
  EXPECT_THROW(linear(x.data(), 1, m, y.data()), Error);
  EXPECT_THROW(linear_prefill(x.data(), 1, m, y.data()), Error);
  EXPECT_THROW(accumulate_rows(y.data(), 2, m, 0, x.data()), Error);
}

TEST(QuantLinear, MatrixAccessors) {
  for (DType t : all_types()) {
    const int64_t cols = dtype_block_elems(t) == 256 ? 512 : 96;
    QuantMatrix w(t, 3, cols, 9);
    EXPECT_EQ(w.m.row_bytes(), static_cast<int64_t>(dtype_row_bytes(t, cols)));
    EXPECT_EQ(w.m.bytes(), static_cast<size_t>(3 * w.m.row_bytes()));
    for (int64_t r = 0; r < 3; ++r) {
      for (int64_t c : {int64_t(0), int64_t(31), int64_t(33), cols - 1}) EXPECT_EQ(w.m.at(r, c), w.deq[r * cols + c]);
      for (auto [c0, n] : {std::pair<int64_t, int64_t>{0, -1}, {5, 40}, {31, 2}, {cols - 7, 7}, {32, 64}}) {
        const int64_t len = n < 0 ? cols - c0 : n;
        std::vector<float> out(len);
        w.m.row(r, out.data(), c0, n);
        for (int64_t i = 0; i < len; ++i) ASSERT_EQ(out[i], w.deq[r * cols + c0 + i]) << dtype_name(t) << " " << c0;
      }
    }
  }
}

}  // namespace
}  // namespace dseek::test
