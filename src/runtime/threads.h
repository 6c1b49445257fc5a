// Thread-count control for the kernels' OpenMP pool (one persistent pool for the process).
#pragma once

namespace dseek {

// Sets the number of worker threads (<= 0: OMP_NUM_THREADS when set, else one per available
// core). Returns the count in use.
int set_num_threads(int n);
int num_threads();

// NUMA nodes of this machine (libnuma; 1 when unavailable).
int numa_nodes();

// Called first thing in main(): sets the OpenMP runtime's environment, unless the user set it:
// - GOMP_SPINCOUNT=10000: a waiting worker spins briefly, then sleeps. With libgomp's default
//   (a long spin) a core taken by another process stalls every parallel region: decode of the
//   built-in model measured 28 tokens/s instead of 925 with one core busy.
// - on several NUMA nodes, OMP_PROC_BIND=spread and OMP_PLACES=cores: the kernels split rows
//   statically, so each pinned worker always touches the same weight rows and first-touch
//   places their pages on its node. On one node nothing is pinned.
// libgomp reads its environment once, when it is loaded (before main), so when something
// was set the process re-executes itself once (argv as given); if that fails it runs on.
void configure_threads_early(char** argv);

}  // namespace dseek
