// Running a child process with a time limit, an output cap, resource limits and a kill of its
// whole process group: what the sandbox, the calculator and MCP servers build on.
#pragma once
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dseek::agent {

// Set by the agent's SIGINT handler; a running child is killed when it becomes true.
std::atomic<bool>& interrupt_flag();

// Makes writes to a closed pipe return EPIPE instead of killing the process (idempotent).
void ignore_sigpipe();

// Resource limits applied in the child before exec (0 = leave as inherited).
struct RLimits {
  int64_t address_space_bytes = 0;  // RLIMIT_AS
  int64_t processes = 0;            // RLIMIT_NPROC (binds only for a non-root uid)
  int64_t cpu_seconds = 0;          // RLIMIT_CPU
  int64_t file_size_bytes = 0;      // RLIMIT_FSIZE
  int64_t open_files = 0;           // RLIMIT_NOFILE
  bool no_core_dumps = true;        // RLIMIT_CORE = 0
};

struct SpawnSpec {
  std::vector<std::string> argv;   // argv[0] is the program (a path, or looked up in PATH)
  std::vector<std::string> env;    // "K=V" entries; empty: inherit the environment
  std::string cwd;                 // empty: inherit
  std::string stdin_data;          // written to the child's stdin, then closed (else /dev/null)
  RLimits limits;
  // Descriptors handed to the child as fds 3, 4, ... in this order (the originals stay open
  // in the parent; the caller closes them after spawn).
  std::vector<int> pass_fds;
};

struct RunLimits {
  double timeout_s = 30;             // wall time; then the process group is killed
  size_t output_cap = 16384;         // bytes of output kept (head and tail)
  size_t kill_after_output = 8u << 20;  // total output that gets the child killed
};

struct ProcessResult {
  std::string output;        // stdout and stderr interleaved, capped (see `truncated`)
  size_t total_output = 0;   // bytes the child wrote in all
  bool truncated = false;    // output holds the first and last output_cap/2 bytes only
  int exit_code = -1;        // exit status, or -1 when killed by a signal
  int term_signal = 0;       // the signal that ended it, if any
  bool timed_out = false, output_limit = false, interrupted = false;
  double elapsed_s = 0;
  std::string error;         // non-empty: could not start (fork/exec/setup failure)
};

// Forks and execs spec.argv in a new session (its own process group) with stdout and stderr
// on one pipe, applies spec.limits, and waits until it exits, the timeout passes, its output
// passes kill_after_output or interrupt_flag() is set; in the last three cases the whole
// process group is killed with SIGKILL. When the child exits, remaining members of its
// process group are killed too, so background jobs cannot outlive a call. `after_spawn`
// runs in the parent right after the fork (e.g. to write user-namespace maps); returning a
// non-empty string aborts the run with that error. Never throws for child failures.
ProcessResult run_process(const SpawnSpec& spec, const RunLimits& limits,
                          const std::function<std::string(pid_t)>& after_spawn = {});

// The result as text for a model: the output, a note when it was truncated, and a line for a
// non-zero exit status, a signal, a timeout or an output overflow.
std::string describe_result(const ProcessResult& r, const RunLimits& limits);

}  // namespace dseek::agent
