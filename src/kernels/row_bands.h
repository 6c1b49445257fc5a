// The thread split of the linear kernels: output rows in bands, each thread a contiguous run
// of whole bands (so a result never depends on the split), all on the caller's thread for
// small work.
#pragma once
#include <algorithm>
#include <cstdint>

#include <omp.h>

namespace dseek {

// Calls f(begin, end) over [0, n) in runs of whole `band`-row bands, one run a thread when
// `work` (multiply-adds) is at least 2^20 and there are two bands or more, else f(0, n).
template <typename F>
void for_row_bands(int64_t n, int64_t band, double work, F&& f) {
  const int64_t bands = (n + band - 1) / band;
  if (work < (1 << 20) || bands < 2) {
    f(int64_t(0), n);
    return;
  }
#pragma omp parallel
  {
    const int nt = omp_get_num_threads(), id = omp_get_thread_num();
    const int64_t b = bands * id / nt * band, e = std::min(n, bands * (id + 1) / nt * band);
    if (b < e) f(b, e);
  }
}

}  // namespace dseek
