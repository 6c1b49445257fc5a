// Commands under mpirun (mpi/README.md): `--parallel-mode ep` for score and run; every other
// command refuses to run on more than one rank.
#pragma once
#include <memory>
#include <string>

#include "engine/causal_lm.h"
#include "runtime/error.h"

namespace dseek::cli {

// Thrown on ranks 1..N-1 once rank 0 has finished the command: main returns 0.
struct FollowerDone {};

// The command line, hashed by the ranks' start-up check (main sets it before parsing).
void set_command_line(int argc, char** argv);

// The model of a command that runs under MPI. One process (no mpirun, or -np 1): exactly
// CausalLm::load. N ranks: every rank opens the checkpoint with its share of the experts
// (mode "ep"; "ep+tp" is refused for now), the ranks check that they see the same checkpoint
// (Checkpoint::fingerprint: config + tensor index), numerics and command line (else rank 0
// aborts the job naming the first rank that differs); rank 0 gets the lockstep leader,
// the other ranks follow rank 0's steps and then throw FollowerDone. Throws dseek::Error.
std::unique_ptr<CausalLm> load_parallel(const std::string& path, Numerics numerics, const std::string& mode);

// What refuse_under_mpi throws: every rank refuses the same command line, so main prints rank
// 0's message once and the ranks end without aborting the job.
struct MpiRefusal : Error {
  using Error::Error;
};

// Throws MpiRefusal "`dseek CMD` is not supported under MPI yet" when running on more than
// one rank.
void refuse_under_mpi(const std::string& command);

// Rank 0 on N > 1 ranks: one line on stderr with the collectives' count, bytes and time.
void print_parallel_stats();

}  // namespace dseek::cli
