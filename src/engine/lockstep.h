// Lockstep execution of one model on every MPI rank (expert parallelism, mpi/README.md).
//
// Rank 0 runs the front end (CLI I/O, tokenizer, sampling) on the CausalLm that
// lockstep_leader() returns: each forward / forward_batch first broadcasts the step (sequence
// ids, their lengths before the step, the tokens) and then runs it. The other ranks sit in
// lockstep_follow(), replaying every step on mirror sequences, so all ranks enter the model's
// collectives (the MoE all-reduce) together. A mirror is cut back to the length rank 0's
// sequence had, so rank 0's truncate / clear need no message of their own.
#pragma once
#include <memory>
#include <string>

#include "engine/causal_lm.h"

namespace dseek {

namespace mpi {
class Communicator;
}

// Opens a DeepSeek-V3.x checkpoint (directory or GGUF) with expert parallelism over `comm`
// (Model::set_expert_parallel: this rank's contiguous expert range). Throws dseek::Error for a
// DeepSeek-V4 checkpoint (not supported yet) and whatever CausalLm::load throws.
std::unique_ptr<CausalLm> load_expert_parallel(const std::string& path, Numerics numerics, mpi::Communicator& comm);

// Rank 0's view: `inner` behind the step broadcast. Its destructor tells the followers to stop
// (unless an exception is unwinding: the caller then aborts the job). Sequences of the
// returned model refuse adopt_prefix (shared prefix caches are not mirrored yet).
std::unique_ptr<CausalLm> lockstep_leader(std::unique_ptr<CausalLm> inner, mpi::Communicator& comm);

// Ranks 1..N-1: replays rank 0's steps on `lm` until rank 0 stops. A step that fails here
// (it cannot fail here alone without the job falling out of step) aborts the job with the
// reason, naming this rank and host.
void lockstep_follow(const CausalLm& lm, mpi::Communicator& comm);

}  // namespace dseek
