// Thread-count control for the kernels' OpenMP pool (one persistent pool for the process).
#pragma once

namespace dseek {

// Sets the number of worker threads (<= 0: one per available core). Returns the count in use.
int set_num_threads(int n);
int num_threads();

}  // namespace dseek
