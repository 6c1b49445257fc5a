// Thread-count control for the kernels' OpenMP pool (one persistent pool for the process).
#pragma once

namespace dseek {

// Sets the number of worker threads (<= 0: one per available core). Returns the count in use.
int set_num_threads(int n);
int num_threads();

// NUMA nodes of this machine (libnuma; 1 when unavailable).
int numa_nodes();

// Called first thing in main(), before any parallel region: on a machine with several NUMA
// nodes, binds the OpenMP workers to cores spread over the nodes (OMP_PROC_BIND=spread,
// OMP_PLACES=cores) unless the user set those variables. The kernels split rows statically,
// so each worker always touches the same weight rows and first-touch places their pages on
// its node. On one node nothing is pinned (the OS may move threads away from busy cores).
void configure_threads_early();

}  // namespace dseek
