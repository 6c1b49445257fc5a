#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "mpi/communicator.h"
#include "runtime/error.h"

namespace dseek::mpi {

std::string SingleProcess::host() const {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

void SingleProcess::abort(const std::string& message) {
  std::fprintf(stderr, "error: rank 0 (%s): %s\n", host().c_str(), message.c_str());
  std::exit(1);
}

Range split_range(int64_t count, int rank, int size) {
  if (size < 1 || rank < 0 || rank >= size)
    throw Error("split_range: rank " + std::to_string(rank) + " of " + std::to_string(size));
  if (size > count)
    throw Error(std::to_string(size) + " ranks but only " + std::to_string(count) +
                " routed experts: every rank needs at least one expert (use at most " + std::to_string(count) + " ranks)");
  const int64_t base = count / size, extra = count % size;
  Range r;
  r.begin = rank * base + std::min<int64_t>(rank, extra);
  r.end = r.begin + base + (rank < extra ? 1 : 0);
  return r;
}

}  // namespace dseek::mpi
