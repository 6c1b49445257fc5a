// Google Benchmark micro-benchmarks of the kernels at the real DeepSeek-V3.2 (671B) shapes.
// Bytes/s counters are weight bytes read (decode is bandwidth-bound), items/s are FLOPs.
//   build/dseek_kernel_bench --benchmark_filter=fp8 --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "hwy/targets.h"
#include "kernels/act_quant.h"
#include "kernels/linear.h"
#include "kernels/ops.h"
#include "kernels/probe.h"
#include "kernels/rope.h"
#include "model/synthetic.h"

namespace {

using namespace dseek;

// n bytes at a 64-byte boundary inside `storage`: the runs do not depend on where malloc put
// the buffer (loads across cache lines cost more).
uint8_t* aligned_bytes(std::vector<uint8_t>& storage, int64_t n) {
  storage.resize(static_cast<size_t>(n) + 64);
  return storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
}

struct Fp8Weights {
  std::vector<uint8_t> storage;
  std::vector<float> scale;
  Matrix m;
  Fp8Weights(int64_t rows, int64_t cols) : scale(((rows + 127) / 128) * ((cols + 127) / 128), 1.0f / 256) {
    uint8_t* codes = aligned_bytes(storage, rows * cols);
    std::mt19937 g(1);
    for (int64_t i = 0; i < rows * cols; ++i) codes[i] = static_cast<uint8_t>(g()) & 0x77;
    m = Matrix{DType::F8_E4M3, rows, cols, codes, scale.data(), "w"};
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
// Hot FP8 weights (256 x 7168, as BM_matvec_hot): the decode kernel's compute cost a byte.
// avx3 = 1: Highway's AVX3 target (FP8 widened and converted) instead of the best one
// (AVX3_DL: table lookups), to compare the two in one run.
void BM_fp8_matvec_hot(benchmark::State& st) {
  Fp8Weights w(256, 7168);
  std::vector<float> x(7168, 0.5f), y(256);
  if (st.range(0) != 0) hwy::SetSupportedTargetsForTest(HWY_AVX3 | HWY_SCALAR);
  for (auto _ : st) {
    linear(x.data(), 1, w.m, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  if (st.range(0) != 0) hwy::SetSupportedTargetsForTest(0);
  st.SetBytesProcessed(st.iterations() * static_cast<int64_t>(w.m.bytes()));
}
BENCHMARK(BM_fp8_matvec_hot)->ArgName("avx3")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
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
  std::vector<uint8_t> storage;
  uint8_t* codes = aligned_bytes(storage, copies * rows * cols);
  for (int64_t i = 0; i < copies * rows * cols; ++i) codes[i] = static_cast<uint8_t>((i * 2654435761u) >> 13) & 0x77;
  std::vector<float> scale(((rows + 127) / 128) * ((cols + 127) / 128), 1.0f / 256);
  std::vector<float> x(cols, 0.5f), y(rows);
  // avx3 = 1: as BM_fp8_matvec_hot.
  if (st.range(2) != 0) hwy::SetSupportedTargetsForTest(HWY_AVX3 | HWY_SCALAR);
  int64_t c = 0;
  for (auto _ : st) {
    Matrix m{DType::F8_E4M3, rows, cols, codes + c * rows * cols, scale.data(), "w"};
    linear(x.data(), 1, m, y.data());
    benchmark::DoNotOptimize(y.data());
    c = (c + 1) % copies;
  }
  if (st.range(2) != 0) hwy::SetSupportedTargetsForTest(0);
  st.SetBytesProcessed(st.iterations() * rows * cols);
}
BENCHMARK(BM_fp8_matvec_cold)->ArgNames({"rows", "cols", "avx3"})
    ->Args({2048, 7168, 0})    // expert gate/up
    ->Args({2048, 7168, 1})
    ->Args({7168, 2048, 0})    // expert down
    ->Args({24576, 1536, 0})   // q_b_proj
    ->Args({7168, 16384, 0})   // o_proj
    ->Args({32768, 32768, 0})  // dseek bench's kernel:fp8_matvec
    ->UseRealTime()         // bytes/s of wall time (threads run in parallel)
    ->Unit(benchmark::kMicrosecond);

// Cold-weights decode over ggml block types (GGUF) and BF16, the same way: >= 1 GiB of
// random valid blocks (random bytes, fp16 scales 2^-13 .. 2^-6), one copy a call. Bytes/s is
// weight bytes read; compare with BM_read_bandwidth (1 GiB read the way the kernels read) and
// BM_fp8_matvec_cold at the same shape.
//   OMP_NUM_THREADS=1 build/dseek_kernel_bench --benchmark_filter='matvec_cold|read_bandwidth'
// (matvec_cold_int8: the int8 mode, whose cold bytes/s over BF16's is the kernels' bandwidth use).
std::vector<uint8_t> random_weights(DType t, int64_t bytes) {
  std::vector<uint8_t> w(bytes);
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (int64_t i = 0; i + 8 <= bytes; i += 8) {
    h ^= h << 13, h ^= h >> 7, h ^= h << 17;
    std::memcpy(w.data() + i, &h, 8);
  }
  auto put_f16 = [&](int64_t at) {  // exponent 2..9: 2^-13 .. 2^-6, either sign
    w[at + 1] = static_cast<uint8_t>((w[at + 1] & 0x83) | ((2 + (w[at + 1] >> 2) % 8) << 2));
  };
  if (t == DType::BF16) {
    for (int64_t i = 0; i < bytes; i += 2) w[i + 1] = static_cast<uint8_t>((w[i + 1] & 0x80) | 0x3c);  // |v| in [2^-7, 2^-6)
    return w;
  }
  std::vector<int> f16{0};
  if (t == DType::Q4_1 || t == DType::Q5_1 || t == DType::Q4_K || t == DType::Q5_K) f16 = {0, 2};
  if (t == DType::Q2_K) f16 = {80, 82};
  if (t == DType::Q3_K) f16 = {108};
  if (t == DType::Q6_K) f16 = {208};
  const int64_t bb = static_cast<int64_t>(dtype_block_bytes(t));
  for (int64_t b = 0; b + bb <= bytes; b += bb)
    for (int f : f16) put_f16(b + f);
  return w;
}

// The weights of the last BM_matvec_cold shape, kept for its repetitions (1 GiB to fill).
const std::vector<uint8_t>& cached_weights(DType t, int64_t bytes) {
  static std::vector<uint8_t> w;
  static DType wt = DType::F32;
  if (wt != t || static_cast<int64_t>(w.size()) != bytes) {
    std::vector<uint8_t>().swap(w);
    w = random_weights(t, bytes);
    wt = t;
  }
  return w;
}

// kInt8: through the int8 numerics mode (linear_int8: activations quantised per call, as in
// decode), for the types with an int8 kernel; compare with BM_matvec_cold<BF16> in the same run.
template <DType kType, bool kInt8 = false>
void BM_matvec_cold(benchmark::State& st) {
  const int64_t rows = st.range(0), cols = st.range(1);
  const int64_t mbytes = rows * static_cast<int64_t>(dtype_row_bytes(kType, cols));
  const int64_t copies = std::max<int64_t>(1, ((int64_t(1) << 30) + mbytes - 1) / mbytes);
  const std::vector<uint8_t>& w = cached_weights(kType, copies * mbytes);
  std::vector<float> x(cols), y(rows);
  for (int64_t i = 0; i < cols; ++i) x[i] = 0.5f - static_cast<float>(i % 7) * 0.125f;
  int64_t c = 0;
  for (auto _ : st) {
    Matrix m{kType, rows, cols, w.data() + c * mbytes, nullptr, "w"};
    if constexpr (kInt8) linear_int8(x.data(), 1, m, y.data());
    else linear(x.data(), 1, m, y.data());
    benchmark::DoNotOptimize(y.data());
    c = (c + 1) % copies;
  }
  st.SetBytesProcessed(st.iterations() * mbytes);
  st.SetItemsProcessed(st.iterations() * rows * cols);  // weights/s
}
template <DType kType>
void BM_matvec_cold_int8(benchmark::State& st) {
  BM_matvec_cold<kType, true>(st);
}
#define DSEEK_MATVEC_COLD(T) \
  BENCHMARK_TEMPLATE(BM_matvec_cold, DType::T)->ArgNames({"rows", "cols"})->Args({2048, 7168})->UseRealTime()->Unit(benchmark::kMicrosecond)
DSEEK_MATVEC_COLD(BF16);
DSEEK_MATVEC_COLD(Q8_0);
DSEEK_MATVEC_COLD(Q6_K);
DSEEK_MATVEC_COLD(Q5_K);
DSEEK_MATVEC_COLD(Q4_K);
DSEEK_MATVEC_COLD(Q3_K);
DSEEK_MATVEC_COLD(Q2_K);
DSEEK_MATVEC_COLD(IQ4_XS);
DSEEK_MATVEC_COLD(IQ2_XXS);
DSEEK_MATVEC_COLD(IQ1_S);
DSEEK_MATVEC_COLD(Q4_0);
#define DSEEK_MATVEC_COLD_INT8(T)                                                                          \
  BENCHMARK_TEMPLATE(BM_matvec_cold_int8, DType::T)->ArgNames({"rows", "cols"})->Args({2048, 7168})->UseRealTime() \
      ->Unit(benchmark::kMicrosecond)
DSEEK_MATVEC_COLD_INT8(Q4_K);
DSEEK_MATVEC_COLD_INT8(Q2_K);
DSEEK_MATVEC_COLD_INT8(IQ2_XXS);

// Hot weights (L2-resident, 256 rows of 7168): the kernel's compute cost a block, apart from
// memory. ns/block far under the block's bytes / bandwidth means the cold run can reach the
// bandwidth limit. Arg 1: the int8 numerics mode (linear_int8), 0: exact (linear).
//   OMP_NUM_THREADS=1 build/dseek_kernel_bench --benchmark_filter=matvec_hot
template <DType kType>
void BM_matvec_hot(benchmark::State& st) {
  const int64_t rows = 256, cols = 7168;
  const bool int8 = st.range(0) != 0;
  const int64_t mbytes = rows * static_cast<int64_t>(dtype_row_bytes(kType, cols));
  const std::vector<uint8_t> w = random_weights(kType, mbytes);
  std::vector<float> x(cols), y(rows);
  for (int64_t i = 0; i < cols; ++i) x[i] = 0.5f - static_cast<float>(i % 7) * 0.125f;
  const Matrix m{kType, rows, cols, w.data(), nullptr, "w"};
  for (auto _ : st) {
    if (!int8 || !linear_int8(x.data(), 1, m, y.data())) linear(x.data(), 1, m, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  const int64_t blocks = rows * cols / dtype_block_elems(kType);
  st.counters["ns_per_block"] = benchmark::Counter(static_cast<double>(st.iterations() * blocks) * 1e-9,
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  st.SetBytesProcessed(st.iterations() * mbytes);
}
#define DSEEK_MATVEC_HOT(T) BENCHMARK_TEMPLATE(BM_matvec_hot, DType::T)->ArgName("int8")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)
DSEEK_MATVEC_HOT(BF16);
DSEEK_MATVEC_HOT(Q8_0);
DSEEK_MATVEC_HOT(Q4_K);
DSEEK_MATVEC_HOT(Q6_K);
DSEEK_MATVEC_HOT(Q2_K);
DSEEK_MATVEC_HOT(IQ2_XXS);

// The machine's read bandwidth, measured as dseek bench does (1 GiB, all threads).
void BM_read_bandwidth(benchmark::State& st) {
  ReadBandwidthProbe probe(int64_t(1) << 30);
  double gbs = 0;
  for (auto _ : st) gbs = probe.pass_gbs();
  st.SetBytesProcessed(st.iterations() * (int64_t(1) << 30));
  st.counters["last_GBps"] = gbs;
}
BENCHMARK(BM_read_bandwidth)->UseRealTime()->Unit(benchmark::kMillisecond);

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
