// Interrupting a dseek command in the middle of writing (tests/convert and tests/cli).
//
// Deterministic without timing: the test makes the first part's temp file a FIFO whose reader
// it holds and reads only the first bytes from, with the pipe shrunk to one page; the command
// then blocks inside a write() to its temp file (the other parts' temp files are real files by
// then). The test sends the signal at that moment and checks what is left.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace dseek::test {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Interrupted {
  bool blocked = false;     // the command wrote the temp file's first bytes and was still running
  std::string first_bytes;  // those bytes ("GGUF")
  int status = 0;           // waitpid status after the signal
};

// Runs `binary args...` (OMP_NUM_THREADS=1, SIGINT/SIGTERM/SIGHUP at their defaults, output
// to `log`) with `fifo` (created here) as the temp file it writes; once it has written 4 bytes
// into it, calls `before_signal` (to look at the directory) and sends `sig`.
template <class F>
Interrupted interrupt_while_writing(const std::string& binary, const std::vector<std::string>& args, const std::string& fifo,
                                    const std::string& log, int sig, F before_signal) {
  Interrupted r;
  if (::mkfifo(fifo.c_str(), 0644) != 0) return r;
  const int rd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (rd < 0) return r;
  ::fcntl(rd, F_SETPIPE_SZ, 4096);
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);
    ::setenv("OMP_NUM_THREADS", "1", 1);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  char buf[4];
  size_t got = 0;
  int st = 0;
  bool exited = false;
  while (got < sizeof buf && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::read(rd, buf + got, sizeof buf - got);
    if (n > 0) {
      got += static_cast<size_t>(n);
      continue;
    }
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  r.first_bytes.assign(buf, got);
  if (!exited && got == sizeof buf) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // into the blocking write
    r.blocked = ::waitpid(pid, &st, WNOHANG) == 0;
    exited = !r.blocked;
  }
  if (r.blocked) {
    before_signal();
    ::kill(pid, sig);
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (::waitpid(pid, &st, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > limit) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &st, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    exited = true;
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &st, 0);
  }
  ::close(rd);
  r.status = st;
  return r;
}

}  // namespace dseek::test
