// Google Benchmark micro-benchmarks of the kernels at the real DeepSeek-V3.2 (671B) shapes.
// Bytes/s counters are weight bytes read (decode is bandwidth-bound), items/s are FLOPs.
//   build/dseek_kernel_bench --benchmark_filter=fp8 --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/act_quant.h"
#include "kernels/linear.h"
#include "kernels/ops.h"
#include "kernels/rope.h"
#include "model/synthetic.h"

namespace {

using namespace dseek;

struct Fp8Weights {
  std::vector<uint8_t> codes;
  std::vector<float> scale;
  Matrix m;
  Fp8Weights(int64_t rows, int64_t cols) : codes(rows * cols), scale(((rows + 127) / 128) * ((cols + 127) / 128), 1.0f / 256) {
    std::mt19937 g(1);
    for (auto& c : codes) c = static_cast<uint8_t>(g()) & 0x77;
    m = Matrix{DType::F8_E4M3, rows, cols, codes.data(), scale.data(), "w"};
  }
};

// FP8 linear: rows x cols weights, T tokens.
void BM_fp8_linear(benchmark::State& st) {
  const int64_t rows = st.range(0), cols = st.range(1), T = st.range(2);
  Fp8Weights w(rows, cols);
  std::vector<float> x(T * cols, 0.5f), y(T * rows);
  for (auto _ : st) {
    linear(x.data(), T, w.m, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(w.m.bytes()));
  st.SetItemsProcessed(st.iterations() * 2 * rows * cols * T);
}
// Per-layer projections (out x in) of the real model, decode (T=1) and prefill (T=512).
BENCHMARK(BM_fp8_linear)->ArgNames({"rows", "cols", "T"})
    ->Args({1536, 7168, 1})      // q_a_proj
    ->Args({24576, 1536, 1})     // q_b_proj
    ->Args({576, 7168, 1})       // kv_a_proj_with_mqa
    ->Args({7168, 16384, 1})     // o_proj
    ->Args({8192, 1536, 1})      // indexer.wq_b
    ->Args({2048, 7168, 1})      // expert gate/up
    ->Args({7168, 2048, 1})      // expert down
    ->Args({2048, 7168, 4})      // expert gate, batch of 4
    ->Args({7168, 2048, 512})    // expert down, prefill
    ->Args({24576, 1536, 512})   // q_b_proj, prefill
    ->Unit(benchmark::kMicrosecond);

// Decode from memory: enough copies of the matrix to exceed the caches (>= 1 GiB), a
// different copy each call, as the layers and experts of a decode step are read.
void BM_fp8_matvec_cold(benchmark::State& st) {
  const int64_t rows = st.range(0), cols = st.range(1);
  const int64_t copies = std::max<int64_t>(1, ((int64_t(1) << 30) + rows * cols - 1) / (rows * cols));
  std::vector<uint8_t> codes(copies * rows * cols);
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<uint8_t>((i * 2654435761u) >> 13) & 0x77;
  std::vector<float> scale(((rows + 127) / 128) * ((cols + 127) / 128), 1.0f / 256);
  std::vector<float> x(cols, 0.5f), y(rows);
  int64_t c = 0;
  for (auto _ : st) {
    Matrix m{DType::F8_E4M3, rows, cols, codes.data() + c * rows * cols, scale.data(), "w"};
    linear(x.data(), 1, m, y.data());
    benchmark::DoNotOptimize(y.data());
    c = (c + 1) % copies;
  }
  st.SetBytesProcessed(st.iterations() * rows * cols);
}
BENCHMARK(BM_fp8_matvec_cold)->ArgNames({"rows", "cols"})
    ->Args({2048, 7168})    // expert gate/up
    ->Args({7168, 2048})    // expert down
    ->Args({24576, 1536})   // q_b_proj
    ->Args({7168, 16384})   // o_proj
    ->Args({32768, 32768})  // dseek bench's kernel:fp8_matvec
    ->Unit(benchmark::kMicrosecond);

// The prefill GEMM (vectorised over tokens) at prefill shapes.
void BM_fp8_prefill(benchmark::State& st) {
  const int64_t rows = st.range(0), cols = st.range(1), T = st.range(2);
  Fp8Weights w(rows, cols);
  std::vector<float> x(T * cols, 0.5f), y(T * rows);
  for (auto _ : st) {
    linear_prefill(x.data(), T, w.m, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(w.m.bytes()));
  st.SetItemsProcessed(st.iterations() * 2 * rows * cols * T);
}
BENCHMARK(BM_fp8_prefill)->ArgNames({"rows", "cols", "T"})
    ->Args({4096, 7168, 512})    // bench's kernel:fp8_gemm shape
    ->Args({7168, 2048, 512})    // expert down, prefill
    ->Args({2048, 7168, 16})     // expert gate, 16 tokens routed to it
    ->Args({24576, 1536, 512})   // q_b_proj, prefill
    ->Unit(benchmark::kMicrosecond);

void BM_bf16_lm_head(benchmark::State& st) {  // 129280 x 7168 BF16, one token
  const int64_t rows = 129280, cols = 7168;
  std::vector<uint16_t> w(rows * cols, 0x3c00);
  Matrix m{DType::BF16, rows, cols, reinterpret_cast<const uint8_t*>(w.data()), nullptr, "lm_head"};
  std::vector<float> x(cols, 0.5f), y(rows);
  for (auto _ : st) linear(x.data(), 1, m, y.data());
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(m.bytes()));
}
BENCHMARK(BM_bf16_lm_head)->Unit(benchmark::kMillisecond);

void BM_rmsnorm(benchmark::State& st) {
  std::vector<float> x(7168, 1.0f), w(7168, 1.0f), y(7168);
  for (auto _ : st) rmsnorm(x.data(), 1, 7168, w.data(), 1e-6f, y.data());
}
BENCHMARK(BM_rmsnorm);

void BM_rope_128_heads(benchmark::State& st) {
  Rope r = Rope::from_config(real_config());
  std::vector<float> q(128 * 64, 0.3f);
  for (auto _ : st)
    for (int h = 0; h < 128; ++h) r.apply(q.data() + h * 64, 100000, true);
}
BENCHMARK(BM_rope_128_heads);

void BM_hadamard_64_heads(benchmark::State& st) {
  std::vector<float> q(64 * 128, 0.3f);
  for (auto _ : st) hadamard(q.data(), 64, 128);
}
BENCHMARK(BM_hadamard_64_heads);

void BM_act_quant_7168(benchmark::State& st) {
  std::vector<float> x(7168, 0.37f);
  for (auto _ : st) act_qdq(x.data(), 1, 7168, true);
}
BENCHMARK(BM_act_quant_7168);

// Indexer scores of one query (64 heads x 128) against n cached keys: the O(context) part of DSA.
void BM_indexer_scan(benchmark::State& st) {
  const int64_t n = st.range(0);
  std::vector<float> keys(n * 128, 0.1f), q(64 * 128, 0.2f), hs(64 * n);
  Matrix k = f32_matrix(keys.data(), n, 128);
  for (auto _ : st) linear(q.data(), 64, k, hs.data());
  st.SetItemsProcessed(st.iterations() * 2 * 64 * 128 * n);
}
BENCHMARK(BM_indexer_scan)->Arg(4096)->Arg(65536)->Unit(benchmark::kMicrosecond);

void BM_topk_2048(benchmark::State& st) {
  const int64_t n = st.range(0);
  std::vector<float> s(n);
  std::mt19937 g(3);
  for (auto& v : s) v = static_cast<float>(g() % 100000);
  for (auto _ : st) benchmark::DoNotOptimize(topk_indices(s.data(), n, 2048));
}
BENCHMARK(BM_topk_2048)->Arg(4096)->Arg(65536)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
