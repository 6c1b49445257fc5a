// Communicator over MPI_COMM_WORLD (Open MPI). Only compiled with MPI (DSEEK_HAVE_MPI, CMake
// find_package(MPI)); otherwise make_mpi_world() returns null and dseek runs as one process.
#include "mpi/mpi_world.h"

#ifdef DSEEK_HAVE_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <chrono>
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstdio>

#include "runtime/error.h"

namespace dseek::mpi {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int as_count(int64_t n, const char* what) {
  if (n < 0 || n > INT_MAX) throw Error(std::string(what) + ": " + std::to_string(n) + " elements exceed one MPI message");
  return static_cast<int>(n);
}

class MpiWorld : public Communicator {
 public:
  MpiWorld() {
    int provided = 0;
    // Collectives are called from the main thread only; OpenMP threads compute in between.
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    MPI_Get_processor_name(name, &len);
    host_.assign(name, len);
  }
  ~MpiWorld() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string host() const override { return host_; }

  void broadcast(std::vector<int32_t>& data, int root) override {
    const double t0 = now_s();
    int64_t n = static_cast<int64_t>(data.size());
    MPI_Bcast(&n, 1, MPI_INT64_T, root, MPI_COMM_WORLD);
    data.resize(n);
    MPI_Bcast(data.data(), as_count(n, "broadcast"), MPI_INT32_T, root, MPI_COMM_WORLD);
    ++stats_.broadcast_calls;
    if (rank_ == root) stats_.broadcast_bytes += 8 + n * 4;
    stats_.broadcast_seconds += now_s() - t0;
  }

  std::vector<uint64_t> allgather(uint64_t value) override {
    std::vector<uint64_t> all(size_);
    MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
    return all;
  }

  void allreduce_sum(float* x, int64_t n) override {
    if (size_ == 1 || n == 0) return;
    const double t0 = now_s();
    const int cnt = as_count(n, "allreduce_sum");
    gathered_.resize(static_cast<size_t>(n) * size_);
    MPI_Allgather(x, cnt, MPI_FLOAT, gathered_.data(), cnt, MPI_FLOAT, MPI_COMM_WORLD);
    // Fixed order: rank 0's partial, then + rank 1's, ... (MPI_Allreduce may pick any order).
    std::copy_n(gathered_.data(), n, x);
    for (int r = 1; r < size_; ++r) {
      const float* p = gathered_.data() + static_cast<size_t>(n) * r;
      for (int64_t i = 0; i < n; ++i) x[i] += p[i];
    }
    ++stats_.allreduce_calls;
    stats_.allreduce_bytes += n * 4 * (size_ - 1);
    stats_.allreduce_seconds += now_s() - t0;
  }

  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

  void abort(const std::string& message) override {
    std::fprintf(stderr, "error: rank %d of %d (%s): %s\n", rank_, size_, host_.c_str(), message.c_str());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    std::_Exit(1);  // MPI_Abort does not return; keeps [[noreturn]] honest
  }

 private:
  int rank_ = 0, size_ = 1;
  std::string host_;
  std::vector<float> gathered_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_world() { return std::make_unique<MpiWorld>(); }

}  // namespace dseek::mpi

#else

namespace dseek::mpi {
std::unique_ptr<Communicator> make_mpi_world() { return nullptr; }
}  // namespace dseek::mpi

#endif
