// Running the dseek binary from tests: exit status, stdout and stderr.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_paths.h"

namespace dseek::test {

struct RunResult {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the shell command `cmd` (stdin /dev/null) and collects its exit status and output.
inline RunResult run_shell(const std::string& cmd) {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() / ("dseek_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string o = (dir / ("out" + std::to_string(counter))).string(), e = (dir / ("err" + std::to_string(counter++))).string();
  int rc = std::system((cmd + " >'" + o + "' 2>'" + e + "' </dev/null").c_str());
  RunResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

// Runs `dseek ARGS` (ARGS already shell-quoted) with OMP_NUM_THREADS=1.
inline RunResult run_dseek(const std::string& args) {
  return run_shell("OMP_NUM_THREADS=1 '" + dseek_binary() + "' " + args);
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string write_temp(const std::string& name, const std::string& content) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("dseek_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string p = (dir / name).string();
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace dseek::test
