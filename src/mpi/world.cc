// world(): MPI_COMM_WORLD when built with MPI and started by mpirun, else SingleProcess.
#include <cstdlib>
#include <memory>

#include "mpi/communicator.h"
#include "mpi/mpi_world.h"

namespace dseek::mpi {

namespace {
bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}
}  // namespace

Communicator& world() {
  static std::unique_ptr<Communicator> w = [] {
    std::unique_ptr<Communicator> c;
    if (launched_by_mpirun()) c = make_mpi_world();  // null when built without MPI
    if (!c) c = std::make_unique<SingleProcess>();
    return c;
  }();
  return *w;
}

bool built_with_mpi() {
#ifdef DSEEK_HAVE_MPI
  return true;
#else
  return false;
#endif
}

}  // namespace dseek::mpi
