#include "runtime/threads.h"

#include <numa.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>

#include <thread>

namespace dseek {

int set_num_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  omp_set_num_threads(n);
  return n;
}

int num_threads() { return omp_get_max_threads(); }

int numa_nodes() {
  if (numa_available() < 0) return 1;
  return std::max(1, numa_num_configured_nodes());
}

void configure_threads_early() {
  if (numa_nodes() > 1) {
    setenv("OMP_PROC_BIND", "spread", 0);
    setenv("OMP_PLACES", "cores", 0);
  }
}

}  // namespace dseek
