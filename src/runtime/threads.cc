#include "runtime/threads.h"

#include <numa.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>

#include <thread>

#include <unistd.h>

namespace dseek {

int set_num_threads(int n) {
  if (n <= 0 && getenv("OMP_NUM_THREADS")) return omp_get_max_threads();  // the user's count
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

void configure_threads_early(char** argv) {
  if (getenv("DSEEK_OMP_CONFIGURED")) return;
  bool changed = false;
  auto set_default = [&](const char* name, const char* value) {
    if (getenv(name)) return;
    setenv(name, value, 1);
    changed = true;
  };
  if (!getenv("OMP_WAIT_POLICY")) set_default("GOMP_SPINCOUNT", "10000");
  if (numa_nodes() > 1) {
    set_default("OMP_PROC_BIND", "spread");
    set_default("OMP_PLACES", "cores");
  }
  if (!changed) return;
  setenv("DSEEK_OMP_CONFIGURED", "1", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: run on with libgomp's defaults
}

}  // namespace dseek
