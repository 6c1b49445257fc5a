// Roofline probes: this machine's sustained read bandwidth and FMA peak with the kernels'
// SIMD target and the current thread count.
#pragma once
#include <cstdint>

namespace dseek {

// A buffer of `bytes` (first-touched by the threads that read it); pass_gbs() reads it once
// with all threads and returns GB/s (1e9 bytes/s). Used to pair each timed run with a
// bandwidth reading taken right before it on a shared, noisy machine.
class ReadBandwidthProbe {
 public:
  explicit ReadBandwidthProbe(int64_t bytes);
  ~ReadBandwidthProbe();
  ReadBandwidthProbe(const ReadBandwidthProbe&) = delete;
  ReadBandwidthProbe& operator=(const ReadBandwidthProbe&) = delete;
  double pass_gbs();
  // Reads only `bytes` of the buffer (at least 64 MiB, beyond any cache; at most its size):
  // a probe sized to cost less time than the run it brackets.
  double pass_gbs(int64_t bytes);

 private:
  float* buf_;
  int64_t n_;
  volatile float sink_ = 0;
};

// Best-of-`repeats` fp32 GFLOP/s (an FMA counts 2) with all threads.
double measure_fma_gflops(int repeats);

}  // namespace dseek
