// Communicator: the only way the model and the front ends reach other processes (expert
// parallelism, mpi/README.md). Two implementations: SingleProcess (the default: one rank, every
// collective a no-op) and, when dseek is built with Open MPI and launched by mpirun, one over
// MPI_COMM_WORLD (mpi_communicator.cc). Nothing outside src/mpi/ includes <mpi.h>.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dseek::mpi {

// What the collectives cost so far (bench and the end-of-run summary): calls, payload bytes
// this rank sent (all-reduce: its partial once to every other rank), and wall seconds spent
// inside them (waiting for slower ranks included).
struct CommStats {
  int64_t allreduce_calls = 0, allreduce_bytes = 0, broadcast_calls = 0, broadcast_bytes = 0;
  double allreduce_seconds = 0, broadcast_seconds = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;  // 0 .. size() - 1; rank 0 runs the front end
  virtual int size() const = 0;
  // Host name of this rank (messages name the rank and its host).
  virtual std::string host() const = 0;
  // Makes `data` on every rank equal to root's (sizes may differ before the call).
  virtual void broadcast(std::vector<int32_t>& data, int root = 0) = 0;
  // Gathers one 64-bit value from every rank, in rank order (start-up consistency checks).
  virtual std::vector<uint64_t> allgather(uint64_t value) = 0;
  // x[0..n) <- sum over ranks of x, in a FIXED order: the partials of all ranks are gathered
  // and every rank adds them in rank order (0 + x_0 + x_1 + ...), so a given rank count always
  // gives the same bits on every rank, whatever the network's timing.
  virtual void allreduce_sum(float* x, int64_t n) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the job: prints "rank R (host): message" on stderr and exits with
  // status 1 (MPI_Abort under MPI). Never returns.
  [[noreturn]] virtual void abort(const std::string& message) = 0;
  const CommStats& stats() const { return stats_; }

 protected:
  CommStats stats_;
};

// One process: rank 0 of 1; broadcast / allgather / allreduce leave the data as it is.
class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string host() const override;
  void broadcast(std::vector<int32_t>&, int) override {}
  std::vector<uint64_t> allgather(uint64_t value) override { return {value}; }
  void allreduce_sum(float*, int64_t) override {}
  void barrier() override {}
  [[noreturn]] void abort(const std::string& message) override;
};

// The process's communicator, created on first call: MPI_COMM_WORLD when dseek was built with
// MPI (DSEEK_HAVE_MPI) and mpirun started this process (OMPI_COMM_WORLD_SIZE / PMI_SIZE /
// PMIX_RANK in the environment), else SingleProcess. MPI is finalised at process exit.
Communicator& world();
// True when this binary was built with MPI support.
bool built_with_mpi();

// The contiguous range [begin, end) of `count` items (experts) that `rank` of `size` holds:
// the first count % size ranks get one more, so any size <= count splits it (uneven when size
// does not divide count). Throws dseek::Error when size > count (a rank without experts).
struct Range {
  int64_t begin = 0, end = 0;
};
Range split_range(int64_t count, int rank, int size);

}  // namespace dseek::mpi
