// Machine probes for roofline figures: sustained memory read bandwidth (STREAM-style sum over a
// buffer far larger than the caches) and FMA peak (independent FMA chains in registers), both
// with the same SIMD target and thread count the kernels use.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/probe_hwy.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/probe.h"

HWY_BEFORE_NAMESPACE();
namespace dseek {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Reads p[0, n) the way the decode kernels read a weight matrix: tiles of 8 neighbouring
// 32 KiB rows walked together, each row prefetched 1 KiB ahead (continuing into the next tile).
// One plain sequential stream a thread leaves the memory system underused (measured: ~9 %
// slower here), and the roofline must be the best read rate a thread reaches.
float SumRead(const float* p, int64_t n) {
  const hn::ScalableTag<float> df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  constexpr int S = 8;
  constexpr int64_t L = 8192;  // floats a row
  hn::Vec<decltype(df)> acc[S];
  for (int s = 0; s < S; ++s) acc[s] = hn::Zero(df);
  const int64_t tiles = n / (S * L);
  for (int64_t tile = 0; tile < tiles; ++tile) {
    const float* base = p + tile * S * L;
    for (int64_t i = 0; i < L; i += N) {
      for (int s = 0; s < S; ++s) {
        const float* q = base + s * L + i;
        if (i % 32 == 0) {
          const int64_t ahead = i + 256 < L ? 256 : 256 + (S - 1) * L;  // 1 KiB
          hwy::Prefetch(q + ahead);
          hwy::Prefetch(q + ahead + 16);
        }
        // A little arithmetic a load, as the kernels have: it paces the requests and reads
        // measurably faster than a bare stream of loads.
        auto v = hn::LoadU(df, q);
        v = hn::Mul(hn::Mul(v, v), v);
        acc[s] = hn::Add(acc[s], v);
      }
    }
  }
  for (int s = 1; s < S; ++s) acc[0] = hn::Add(acc[0], acc[s]);
  float total = hn::GetLane(hn::SumOfLanes(df, acc[0]));
  for (int64_t i = tiles * S * L; i < n; ++i) total += p[i];
  return total;
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

#include <algorithm>
#include <chrono>
#include <memory>
#include <new>
#include <vector>

namespace dseek {
HWY_EXPORT(SumRead);
HWY_EXPORT(FmaLoop);
HWY_EXPORT(FloatLanes);

// 64-byte aligned: a vector load straddling two cache lines would slow the probe, not memory.
ReadBandwidthProbe::ReadBandwidthProbe(int64_t bytes)
    : buf_(static_cast<float*>(::operator new(size_t(bytes / 4) * 4, std::align_val_t(64)))), n_(bytes / 4) {
  // First touch by the threads that will read (NUMA placement).
#pragma omp parallel
  {
    const int nt = omp_get_num_threads(), id = omp_get_thread_num();
    const int64_t b = n_ * id / nt, e = n_ * (id + 1) / nt;
    for (int64_t i = b; i < e; ++i) buf_[i] = 1.0f;
  }
}

ReadBandwidthProbe::~ReadBandwidthProbe() { ::operator delete(buf_, std::align_val_t(64)); }

double ReadBandwidthProbe::pass_gbs() { return pass_gbs(n_ * 4); }

double ReadBandwidthProbe::pass_gbs(int64_t bytes) {
  constexpr int64_t kTile = 65536;  // SumRead's tile, floats
  const int64_t n = std::clamp<int64_t>(bytes / 4, std::min<int64_t>(n_, int64_t(16) << 20), n_) / kTile * kTile;
  auto t0 = std::chrono::steady_clock::now();
  float total = 0;
#pragma omp parallel reduction(+ : total)
  {
    const int nt = omp_get_num_threads(), id = omp_get_thread_num();
    const int64_t b = n / kTile * id / nt * kTile, e = n / kTile * (id + 1) / nt * kTile;
    total += HWY_DYNAMIC_DISPATCH(SumRead)(buf_ + b, e - b);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sink_ = sink_ + total;
  return double(n) * 4.0 / s / 1e9;
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
