#include "agent/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace dseek::agent {

std::atomic<bool>& interrupt_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

void ignore_sigpipe() {
  static const bool done = [] {
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, nullptr);
    return true;
  }();
  (void)done;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Moves fd to a number >= 100 (close-on-exec), so dup2 into 0..N in the child never aliases.
int to_high_fd(int fd) {
  if (fd < 0) return fd;
  int h = fcntl(fd, F_DUPFD_CLOEXEC, 100);
  close(fd);
  return h;
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Keeps the first and the last `cap / 2` bytes of a stream.
class CappedOutput {
 public:
  explicit CappedOutput(size_t cap) : half_(cap / 2 > 0 ? cap / 2 : 1) {}
  void add(const char* p, size_t n) {
    total_ += n;
    size_t h = std::min(n, half_ - std::min(half_, head_.size()));
    head_.append(p, h);
    tail_.append(p + h, n - h);
    if (tail_.size() > 2 * half_) tail_.erase(0, tail_.size() - half_);
  }
  size_t total() const { return total_; }
  bool truncated() const { return head_.size() + tail_.size() < total_; }
  std::string text() const {
    if (!truncated()) return head_ + tail_;
    std::string t = tail_.size() > half_ ? tail_.substr(tail_.size() - half_) : tail_;
    size_t omitted = total_ - head_.size() - t.size();
    return head_ + "\n[... " + std::to_string(omitted) + " bytes of output omitted ...]\n" + t;
  }

 private:
  size_t half_;
  size_t total_ = 0;
  std::string head_, tail_;
};

void set_limit(int resource, int64_t v) {
  if (v <= 0) return;
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = static_cast<rlim_t>(v);
  setrlimit(resource, &rl);
}

// Marks every descriptor >= from close-on-exec (close_range where the kernel has it).
void cloexec_from(int from) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, static_cast<unsigned>(from), ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) == 0) return;
#endif
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 65536) max = 65536;
  for (int fd = from; fd < max; ++fd) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
  }
}

}  // namespace

ProcessResult run_process(const SpawnSpec& spec, const RunLimits& limits,
                          const std::function<std::string(pid_t)>& after_spawn) {
  ignore_sigpipe();
  ProcessResult r;
  const auto t0 = Clock::now();
  if (spec.argv.empty()) {
    r.error = "no command";
    return r;
  }
  int out[2], errp[2], in[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
      (!spec.stdin_data.empty() && pipe2(in, O_CLOEXEC) != 0)) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  int devnull = to_high_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
  int child_out = to_high_fd(out[1]);
  int child_err = to_high_fd(errp[1]);
  int child_in = to_high_fd(in[0]);
  std::vector<int> pass;
  for (int fd : spec.pass_fds) pass.push_back(fcntl(fd, F_DUPFD_CLOEXEC, 100));

  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();

  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    dup2(child_in >= 0 ? child_in : devnull, 0);
    dup2(child_out, 1);
    dup2(child_out, 2);
    for (size_t i = 0; i < pass.size(); ++i) dup2(pass[i], 3 + static_cast<int>(i));
    cloexec_from(3 + static_cast<int>(pass.size()));
    int e = 0;
    if (cwd && chdir(cwd) != 0) {
      e = errno;
    } else {
      set_limit(RLIMIT_AS, spec.limits.address_space_bytes);
      set_limit(RLIMIT_NPROC, spec.limits.processes);
      set_limit(RLIMIT_CPU, spec.limits.cpu_seconds);
      set_limit(RLIMIT_FSIZE, spec.limits.file_size_bytes);
      set_limit(RLIMIT_NOFILE, spec.limits.open_files);
      if (spec.limits.no_core_dumps) {
        struct rlimit rl {0, 0};
        setrlimit(RLIMIT_CORE, &rl);
      }
      if (spec.env.empty())
        execvp(argv[0], argv.data());
      else
        execvpe(argv[0], argv.data(), envp.data());
      e = errno;
    }
    ssize_t w = write(child_err, &e, sizeof e);
    (void)w;
    _exit(127);
  }
  close_fd(devnull);
  close_fd(child_out);
  close_fd(child_err);
  close_fd(child_in);
  for (int& fd : pass) close_fd(fd);
  int rd = out[0], wr = in[1], er = errp[0];
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    close_fd(rd);
    close_fd(wr);
    close_fd(er);
    return r;
  }
  int exec_errno = 0;
  ssize_t n = read(er, &exec_errno, sizeof exec_errno);
  close_fd(er);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    waitpid(pid, nullptr, 0);
    r.error = "cannot run " + spec.argv[0] + ": " + std::strerror(exec_errno);
    close_fd(rd);
    close_fd(wr);
    return r;
  }
  if (after_spawn) {
    std::string err = after_spawn(pid);
    if (!err.empty()) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      r.error = err;
      close_fd(rd);
      close_fd(wr);
      return r;
    }
  }

  CappedOutput buf(limits.output_cap);
  size_t written = 0;
  bool reaped = false, exited = false, eof = false;
  int status = 0;
  Clock::time_point drain_deadline{};
  bool draining = false;
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits.timeout_s));
  auto kill_group = [&] {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  };
  auto start_drain = [&](double secs) {
    if (draining) return;
    draining = true;
    drain_deadline = Clock::now() + std::chrono::milliseconds(static_cast<int>(secs * 1000));
  };
  char chunk[65536];
  while (!(eof && reaped)) {
    if (!draining) {
      if (Clock::now() >= deadline) {
        r.timed_out = true;
      } else if (buf.total() > limits.kill_after_output) {
        r.output_limit = true;
      } else if (interrupt_flag().load()) {
        r.interrupted = true;
      }
      if (r.timed_out || r.output_limit || r.interrupted) {
        kill_group();
        close_fd(wr);
        start_drain(2.0);
      }
    }
    if (!exited) {
      // Notice the exit without reaping, so the group id stays reserved while we kill stragglers.
      siginfo_t si{};
      if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid) {
        exited = true;
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        reaped = true;
        close_fd(wr);
        start_drain(1.0);
      }
    }
    if (draining && Clock::now() >= drain_deadline) break;
    struct pollfd fds[2];
    int nf = 0;
    if (!eof) fds[nf++] = {rd, POLLIN, 0};
    int wr_index = -1;
    if (wr >= 0 && written < spec.stdin_data.size()) {
      wr_index = nf;
      fds[nf++] = {wr, POLLOUT, 0};
    } else {
      close_fd(wr);
    }
    if (nf == 0) {
      if (!reaped) {
        struct timespec ts {0, 20 * 1000 * 1000};
        nanosleep(&ts, nullptr);
      }
      continue;
    }
    int pr = poll(fds, nf, 50);
    if (pr < 0 && errno != EINTR) break;
    if (pr <= 0) continue;
    if (!eof && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t got = read(rd, chunk, sizeof chunk);
      if (got > 0)
        buf.add(chunk, static_cast<size_t>(got));
      else if (got == 0 || (errno != EINTR && errno != EAGAIN))
        eof = true;
    }
    if (wr_index >= 0 && (fds[wr_index].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = write(wr, spec.stdin_data.data() + written, spec.stdin_data.size() - written);
      if (w > 0)
        written += static_cast<size_t>(w);
      else if (errno != EINTR && errno != EAGAIN)
        close_fd(wr);
      if (written >= spec.stdin_data.size()) close_fd(wr);
    }
  }
  close_fd(rd);
  close_fd(wr);
  if (!reaped) {
    kill_group();
    waitpid(pid, &status, 0);
  }
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.term_signal = WTERMSIG(status);
  }
  r.output = buf.text();
  r.total_output = buf.total();
  r.truncated = buf.truncated();
  r.elapsed_s = seconds_since(t0);
  return r;
}

std::string describe_result(const ProcessResult& r, const RunLimits& limits) {
  if (!r.error.empty()) return "error: " + r.error;
  std::string s = r.output;
  auto note = [&](const std::string& line) {
    if (!s.empty() && s.back() != '\n') s += '\n';
    s += line;
  };
  char num[64];
  if (r.timed_out) {
    std::snprintf(num, sizeof num, "%g", limits.timeout_s);
    note(std::string("[timed out after ") + num + " s: the command and its whole process group were killed]");
  } else if (r.output_limit) {
    note("[killed: the command wrote more than " + std::to_string(limits.kill_after_output) + " bytes of output]");
  } else if (r.interrupted) {
    note("[interrupted by the user: the command was killed]");
  } else if (r.term_signal) {
    const char* name = sigabbrev_np(r.term_signal);
    note("[killed by signal " + std::to_string(r.term_signal) + (name ? std::string(" (SIG") + name + ")" : "") +
         (r.term_signal == SIGXCPU ? ": CPU time limit" : "") + "]");
  } else if (r.exit_code != 0) {
    note("[exit code " + std::to_string(r.exit_code) + "]");
  }
  if (s.empty()) s = "(no output)";
  return s;
}

}  // namespace dseek::agent
