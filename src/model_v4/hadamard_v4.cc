#include "model_v4/hadamard_v4.h"

#include <string>

#include "kernels/ops.h"
#include "runtime/error.h"

namespace dseek {

void indexer_hadamard(float* x, int64_t rows, int64_t n) {
  if (n <= 0 || (n & (n - 1)) != 0)
    throw Error("indexer Hadamard rotation: width " + std::to_string(n) + " is not a power of two");
  hadamard(x, rows, n);
}

}  // namespace dseek
