// Machine probes for roofline figures: sustained memory read bandwidth (STREAM-style sum over a
// buffer far larger than the caches) and FMA peak (independent FMA chains in registers), both
// with the same SIMD target and thread count the kernels use.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/probe_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "kernels/probe.h"

HWY_BEFORE_NAMESPACE();
namespace dseek {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

float SumRead(const float* p, int64_t n) {
  const hn::ScalableTag<float> df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  auto a0 = hn::Zero(df), a1 = hn::Zero(df), a2 = hn::Zero(df), a3 = hn::Zero(df);
  int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    a0 = hn::Add(a0, hn::LoadU(df, p + i));
    a1 = hn::Add(a1, hn::LoadU(df, p + i + N));
    a2 = hn::Add(a2, hn::LoadU(df, p + i + 2 * N));
    a3 = hn::Add(a3, hn::LoadU(df, p + i + 3 * N));
  }
  return hn::GetLane(hn::SumOfLanes(df, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
}

// 2 * lanes * 16 * iters flops.
float FmaLoop(int64_t iters, float seed) {
  const hn::ScalableTag<float> df;
  auto m = hn::Set(df, 0.999999f), b = hn::Set(df, 1e-7f);
  hn::Vec<decltype(df)> acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = hn::Set(df, seed + i);
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < 16; ++i) acc[i] = hn::MulAdd(acc[i], m, b);
  auto s = acc[0];
  for (int i = 1; i < 16; ++i) s = hn::Add(s, acc[i]);
  return hn::GetLane(hn::SumOfLanes(df, s));
}

int64_t FloatLanes() { return static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>())); }

}  // namespace HWY_NAMESPACE
}  // namespace dseek
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <omp.h>

#include <chrono>
#include <memory>
#include <vector>

namespace dseek {
HWY_EXPORT(SumRead);
HWY_EXPORT(FmaLoop);
HWY_EXPORT(FloatLanes);

double measure_read_bandwidth_gbs(int64_t bytes, int repeats) {
  const int64_t n = bytes / 4;
  std::unique_ptr<float[]> buf(new float[n]);
  double best = 0;
  volatile float sink = 0;
  // First touch by the threads that will read (NUMA placement), then timed passes.
#pragma omp parallel
  {
    const int nt = omp_get_num_threads(), id = omp_get_thread_num();
    const int64_t b = n * id / nt, e = n * (id + 1) / nt;
    for (int64_t i = b; i < e; ++i) buf[i] = 1.0f;
  }
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    float total = 0;
#pragma omp parallel reduction(+ : total)
    {
      const int nt = omp_get_num_threads(), id = omp_get_thread_num();
      const int64_t b = n * id / nt, e = n * (id + 1) / nt;
      total += HWY_DYNAMIC_DISPATCH(SumRead)(buf.get() + b, e - b);
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sink = sink + total;
    best = std::max(best, bytes / s / 1e9);
  }
  return best;
}

double measure_fma_gflops(int repeats) {
  const int64_t iters = 20'000'000;
  const double lanes = static_cast<double>(HWY_DYNAMIC_DISPATCH(FloatLanes)());
  double best = 0;
  volatile float sink = 0;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    float total = 0;
    int threads = 1;
#pragma omp parallel reduction(+ : total)
    {
#pragma omp single
      threads = omp_get_num_threads();
      total += HWY_DYNAMIC_DISPATCH(FmaLoop)(iters, 1.0f + omp_get_thread_num());
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sink = sink + total;
    best = std::max(best, 2.0 * lanes * 16 * iters * threads / s / 1e9);
  }
  return best;
}

}  // namespace dseek
#endif
