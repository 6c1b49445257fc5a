// The sandbox the `bash` tool runs commands in: bubblewrap (bwrap) with a user namespace,
// the workdir read-write, system directories read-only, everything else absent, no network,
// a fresh /tmp, /proc and /dev, a cleared environment, resource limits and a kill of the whole
// process tree at the timeout. See src/agent/README.md for what each mode guarantees.
#pragma once
#include <string>

#include "agent/process.h"

namespace dseek::agent {

enum class SandboxMode {
  // bwrap --unshare-user run by root: the agent writes the namespace's uid/gid maps itself
  // (0->0 and 65534->65534) and the command runs as uid/gid 65534 (nobody) through setpriv,
  // keeping only CAP_DAC_OVERRIDE and CAP_FOWNER *inside the namespace* so it can write the
  // root-owned workdir. A non-root host uid makes RLIMIT_NPROC bind (root is exempt from it).
  UserNamespaceNobody,
  // bwrap --unshare-user run by a non-root user: the command keeps the user's own uid.
  UserNamespace,
  // bwrap run by root where user namespaces are unavailable: mount/pid/net/ipc/uts namespaces,
  // then setpriv to uid 65534 with CAP_DAC_OVERRIDE and CAP_FOWNER kept (in the host
  // namespace, so root-only files on the read-only mounts are readable).
  RootNoUserNamespace,
  // No sandbox (--unsafe-no-sandbox): bash in the workdir with rlimits and a cleared
  // environment, killed with its process group at the timeout.
  Unsandboxed,
  // Shell tools refused: bwrap is missing or cannot create namespaces.
  Unavailable,
};

struct SandboxConfig {
  std::string workdir;             // absolute, canonical; bound read-write
  double timeout_s = 60;           // wall time of one command
  size_t output_cap = 16384;       // bytes of output returned to the model
  size_t kill_after_output = 8u << 20;
  int64_t memory_bytes = 2ll << 30;     // RLIMIT_AS of every process
  int64_t max_processes = 128;          // RLIMIT_NPROC in the namespace
  int64_t file_size_bytes = 1ll << 30;  // RLIMIT_FSIZE
  bool allow_unsandboxed = false;  // --unsafe-no-sandbox: fall back to Unsandboxed
  std::string bwrap = "/usr/bin/bwrap";
  std::string setpriv = "/usr/bin/setpriv";
  // Tests only: "" picks the best working mode; otherwise one of "userns", "root-no-userns",
  // "none" is probed alone.
  std::string force_mode;
};

class Sandbox {
 public:
  // Probes the modes in order (user namespace, then root without one) by running `true`;
  // falls back to Unsandboxed only when cfg.allow_unsandboxed, else Unavailable.
  explicit Sandbox(SandboxConfig cfg);

  SandboxMode mode() const { return mode_; }
  // One line for the user: the mode and its limits, or why the sandbox is unavailable.
  std::string describe() const;
  // Why bwrap could not be used ("" when a bwrap mode works).
  const std::string& unavailable_reason() const { return reason_; }
  const SandboxConfig& config() const { return cfg_; }

  // Runs `bash -c command` in the workdir under the chosen mode. In Unavailable mode returns
  // a result whose `error` explains the refusal and the --unsafe-no-sandbox override.
  ProcessResult run(const std::string& command) const;

 private:
  ProcessResult run_in(SandboxMode m, const std::string& command, const RunLimits& lim) const;
  SandboxConfig cfg_;
  SandboxMode mode_ = SandboxMode::Unavailable;
  std::string reason_;
};

}  // namespace dseek::agent
