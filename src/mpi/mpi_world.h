// Internal to src/mpi: the MPI_COMM_WORLD communicator (mpi_communicator.cc), or null when
// dseek was built without MPI.
#pragma once
#include <memory>

#include "mpi/communicator.h"

namespace dseek::mpi {
std::unique_ptr<Communicator> make_mpi_world();
}
