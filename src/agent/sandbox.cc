#include "agent/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

namespace dseek::agent {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr const char* kNobody = "65534";
// Capabilities the command keeps after setpriv drops to uid 65534: enough to write the
// (root-owned) workdir; the read-only mounts stop everything else.
constexpr const char* kKeepCaps = "-all,+dac_override,+fowner";

std::vector<std::string> clean_env(const std::string& workdir) {
  return {std::string("PATH=") + kPath, "HOME=" + workdir, "LANG=C.UTF-8", "TERM=dumb", "TMPDIR=/tmp"};
}

// System directories, read-only; merged-/usr symlinks (/bin -> usr/bin) recreated as links.
void add_system_mounts(std::vector<std::string>& a) {
  for (const char* d : {"/usr", "/etc", "/opt", "/var"}) {
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(d, ec))) a.insert(a.end(), {"--ro-bind", d, d});
  }
  for (const char* d : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::error_code ec;
    auto st = fs::symlink_status(d, ec);
    if (fs::is_symlink(st)) {
      a.insert(a.end(), {"--symlink", fs::read_symlink(d, ec).string(), d});
    } else if (fs::is_directory(st)) {
      a.insert(a.end(), {"--ro-bind", d, d});
    }
  }
}

std::vector<std::string> bwrap_argv(const SandboxConfig& c, SandboxMode m, const std::string& command) {
  std::vector<std::string> a = {c.bwrap};
  if (m == SandboxMode::UserNamespaceNobody)
    a.insert(a.end(), {"--unshare-user", "--info-fd", "3", "--userns-block-fd", "4"});
  if (m == SandboxMode::UserNamespace) a.push_back("--unshare-user");
  a.insert(a.end(), {"--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                     "--die-with-parent", "--hostname", "sandbox"});
  add_system_mounts(a);
  a.insert(a.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"});
  a.insert(a.end(), {"--bind", c.workdir, c.workdir, "--chdir", c.workdir, "--clearenv"});
  for (const auto& kv : clean_env(c.workdir)) {
    auto eq = kv.find('=');
    a.insert(a.end(), {"--setenv", kv.substr(0, eq), kv.substr(eq + 1)});
  }
  if (m == SandboxMode::RootNoUserNamespace)
    for (const char* cap : {"CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_DAC_OVERRIDE", "CAP_FOWNER"})
      a.insert(a.end(), {"--cap-add", cap});
  a.push_back("--");
  if (m == SandboxMode::UserNamespaceNobody || m == SandboxMode::RootNoUserNamespace)
    a.insert(a.end(), {c.setpriv, std::string("--reuid=") + kNobody, std::string("--regid=") + kNobody, "--clear-groups",
                       std::string("--inh-caps=") + kKeepCaps, std::string("--ambient-caps=") + kKeepCaps,
                       std::string("--bounding-set=") + kKeepCaps, "--"});
  a.insert(a.end(), {"/bin/bash", "-c", command});
  return a;
}

// Reads bwrap's --info-fd JSON (up to its first '}') and returns "child-pid", or -1.
long read_child_pid(int fd, double timeout_s) {
  std::string data;
  char buf[512];
  const int ms = static_cast<int>(timeout_s * 1000);
  while (data.find('}') == std::string::npos) {
    struct pollfd p {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return -1;
    data.append(buf, static_cast<size_t>(n));
  }
  try {
    auto j = nlohmann::json::parse(data.substr(0, data.find('}') + 1));
    return j.at("child-pid").get<long>();
  } catch (const std::exception&) {
    return -1;
  }
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  f.flush();
  return static_cast<bool>(f);
}

const char* mode_name(SandboxMode m) {
  switch (m) {
    case SandboxMode::UserNamespaceNobody: return "bubblewrap, user namespace, uid 65534 (nobody)";
    case SandboxMode::UserNamespace: return "bubblewrap, user namespace, the invoking user's uid";
    case SandboxMode::RootNoUserNamespace: return "bubblewrap as root without a user namespace, uid 65534 (nobody)";
    case SandboxMode::Unsandboxed: return "NONE (--unsafe-no-sandbox): commands run directly in the workdir";
    case SandboxMode::Unavailable: return "unavailable";
  }
  return "?";
}

}  // namespace

Sandbox::Sandbox(SandboxConfig cfg) : cfg_(std::move(cfg)) {
  std::vector<SandboxMode> tries;
  const bool root = geteuid() == 0;
  const std::string& f = cfg_.force_mode;
  if (f.empty() || f == "userns") tries.push_back(root ? SandboxMode::UserNamespaceNobody : SandboxMode::UserNamespace);
  if ((f.empty() || f == "root-no-userns") && root) tries.push_back(SandboxMode::RootNoUserNamespace);
  if (access(cfg_.bwrap.c_str(), X_OK) != 0) {
    reason_ = "bubblewrap not found (" + cfg_.bwrap + "; Debian package `bubblewrap`)";
    tries.clear();
  } else if (root && access(cfg_.setpriv.c_str(), X_OK) != 0) {
    reason_ = "setpriv not found (" + cfg_.setpriv + "; Debian package `util-linux`)";
    tries.clear();
  }
  if (f == "none") tries.clear();
  RunLimits probe;
  probe.timeout_s = 15;
  for (SandboxMode m : tries) {
    ProcessResult r = run_in(m, "true", probe);
    if (r.error.empty() && r.exit_code == 0) {
      mode_ = m;
      reason_.clear();
      return;
    }
    std::string why = !r.error.empty() ? r.error : r.output;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (why.empty()) why = "exit code " + std::to_string(r.exit_code);
    reason_ += (reason_.empty() ? "" : "; ") + std::string(mode_name(m)) + ": " + why;
  }
  if (f == "none" && reason_.empty()) reason_ = "sandbox disabled";
  mode_ = cfg_.allow_unsandboxed ? SandboxMode::Unsandboxed : SandboxMode::Unavailable;
}

std::string Sandbox::describe() const {
  std::string s = mode_name(mode_);
  if (mode_ == SandboxMode::Unavailable)
    return "unavailable (" + reason_ + "): shell commands are refused; pass --unsafe-no-sandbox to run them anyway";
  char lim[256];
  std::snprintf(lim, sizeof lim, "; limits: %g s wall, %lld MiB address space, %lld processes, %zu bytes of output",
                cfg_.timeout_s, static_cast<long long>(cfg_.memory_bytes >> 20),
                static_cast<long long>(cfg_.max_processes), cfg_.output_cap);
  if (mode_ != SandboxMode::Unsandboxed) s += "; workdir read-write, system read-only, no network";
  return s + lim;
}

ProcessResult Sandbox::run(const std::string& command) const {
  RunLimits lim;
  lim.timeout_s = cfg_.timeout_s;
  lim.output_cap = cfg_.output_cap;
  lim.kill_after_output = cfg_.kill_after_output;
  if (mode_ == SandboxMode::Unavailable) {
    ProcessResult r;
    r.error = "refusing to run shell commands: the bubblewrap sandbox is unavailable (" + reason_ +
              "); the user can pass --unsafe-no-sandbox to allow unsandboxed commands";
    return r;
  }
  return run_in(mode_, command, lim);
}

ProcessResult Sandbox::run_in(SandboxMode m, const std::string& command, const RunLimits& lim) const {
  SpawnSpec s;
  s.limits.address_space_bytes = cfg_.memory_bytes;
  s.limits.processes = cfg_.max_processes;
  s.limits.cpu_seconds = static_cast<int64_t>(std::ceil(lim.timeout_s)) + 1;
  s.limits.file_size_bytes = cfg_.file_size_bytes;
  s.limits.open_files = 1024;
  if (m == SandboxMode::Unsandboxed) {
    s.argv = {"/bin/bash", "-c", command};
    s.env = clean_env(cfg_.workdir);
    s.cwd = cfg_.workdir;
    return run_process(s, lim);
  }
  s.argv = bwrap_argv(cfg_, m, command);
  s.env = clean_env(cfg_.workdir);
  if (m != SandboxMode::UserNamespaceNobody) return run_process(s, lim);

  // Root with a user namespace: bwrap waits on fd 4 until we have written the maps.
  int info[2], block[2];
  ProcessResult failed;
  failed.error = "pipe failed";
  if (pipe2(info, O_CLOEXEC) != 0) return failed;
  if (pipe2(block, O_CLOEXEC) != 0) {
    close(info[0]);
    close(info[1]);
    return failed;
  }
  s.pass_fds = {info[1], block[0]};
  ProcessResult r = run_process(s, lim, [&](pid_t) -> std::string {
    close(info[1]);
    close(block[0]);
    info[1] = block[0] = -1;
    long child = read_child_pid(info[0], 15);
    if (child <= 0) return "bwrap did not report its sandbox process (user namespaces unavailable?)";
    const std::string map = "0 0 1\n65534 65534 1\n", proc = "/proc/" + std::to_string(child);
    if (!write_text(proc + "/uid_map", map) || !write_text(proc + "/gid_map", map))
      return "cannot write the user namespace's uid/gid maps";
    if (write(block[1], "1", 1) != 1) return "cannot release bwrap";
    return "";
  });
  for (int fd : {info[0], info[1], block[0], block[1]})
    if (fd >= 0) close(fd);
  return r;
}

}  // namespace dseek::agent
