#include "cli/parallel.h"

#include <cstdio>
#include <vector>

#include "engine/lockstep.h"
#include "mpi/communicator.h"
#include "runtime/error.h"

namespace dseek::cli {

namespace {

std::string& command_line() {
  static std::string s;
  return s;
}

// FNV-1a, 64 bits: the same value on every host (std::hash promises nothing across builds).
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Rank 0 aborts the job when a rank's value differs from its own; the others wait for it.
void check_same(mpi::Communicator& comm, uint64_t value, const std::string& what) {
  const std::vector<uint64_t> all = comm.allgather(value);
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r] == all[0]) continue;
    if (comm.rank() == 0)
      comm.abort("rank " + std::to_string(r) + " sees a different " + what + " than rank 0: refusing to start");
    comm.barrier();  // rank 0's abort ends this rank
  }
}

}  // namespace

void set_command_line(int argc, char** argv) {
  std::string& s = command_line();
  for (int i = 0; i < argc; ++i) s += std::string(argv[i]) + '\0';
}

std::unique_ptr<CausalLm> load_parallel(const std::string& path, Numerics numerics, const std::string& mode) {
  if (mode != "ep" && mode != "ep+tp") throw Error("--parallel-mode must be 'ep' or 'ep+tp', got '" + mode + "'");
  mpi::Communicator& comm = mpi::world();
  if (comm.size() == 1) return CausalLm::load(path, numerics);
  if (mode == "ep+tp")
    throw Error("--parallel-mode ep+tp (tensor-parallel attention) is not supported yet: use --parallel-mode ep");
  std::unique_ptr<CausalLm> lm = load_expert_parallel(path, numerics, comm);
  check_same(comm, fnv1a(lm->fingerprint()), "checkpoint (config + tensor index)");
  check_same(comm, fnv1a(command_line()), "command line (options)");
  if (comm.rank() == 0) return lockstep_leader(std::move(lm), comm);
  lockstep_follow(*lm, comm);
  throw FollowerDone{};
}

void refuse_under_mpi(const std::string& command) {
  if (mpi::world().size() > 1)
    throw MpiRefusal("`dseek " + command + "` is not supported under MPI yet (" + std::to_string(mpi::world().size()) +
                     " ranks): under mpirun use score, run (without --draft) or bench");
}

void print_parallel_stats() {
  mpi::Communicator& comm = mpi::world();
  if (comm.size() == 1 || comm.rank() != 0) return;
  const mpi::CommStats& s = comm.stats();
  std::fprintf(stderr,
               "[ep: %d ranks | %lld MoE all-reduces, %.3f MB sent by rank 0, %.2f ms in them (%.1f us each) | "
               "%lld step broadcasts, %.2f ms]\n",
               comm.size(), static_cast<long long>(s.allreduce_calls), s.allreduce_bytes / 1e6, s.allreduce_seconds * 1e3,
               s.allreduce_calls ? s.allreduce_seconds * 1e6 / s.allreduce_calls : 0.0,
               static_cast<long long>(s.broadcast_calls), s.broadcast_seconds * 1e3);
}

}  // namespace dseek::cli
