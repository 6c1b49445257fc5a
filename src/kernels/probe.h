// Roofline probes: this machine's sustained read bandwidth and FMA peak with the kernels'
// SIMD target and the current thread count.
#pragma once
#include <cstdint>

namespace dseek {

// Best-of-`repeats` GB/s (1e9 bytes/s) reading a `bytes` buffer with all threads.
double measure_read_bandwidth_gbs(int64_t bytes, int repeats);
// Best-of-`repeats` fp32 GFLOP/s (an FMA counts 2) with all threads.
double measure_fma_gflops(int repeats);

}  // namespace dseek
