// `dseek chat` with piped stdin: /reset clears at once (no y/N that would eat the next
// message), and a --session file that cannot be saved fails before any turn.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "run_util.h"

namespace dseek::test {
namespace {

std::string nano() { return repo_dir() + "/models/nano-agent"; }

// `dseek ARGS` with `input` on stdin (a file: not a terminal).
RunResult chat_with_input(const std::string& args, const std::string& input) {
  static int counter = 0;
  const std::string tag = "chat_cli_" + std::to_string(counter++);
  const std::string in = write_temp(tag + ".in", input), out = write_temp(tag + ".out", ""),
                    err = write_temp(tag + ".err", "");
  const int rc = std::system(("OMP_NUM_THREADS=1 " + quote(dseek_binary()) + " chat " + args + " <" + quote(in) + " >" +
                              quote(out) + " 2>" + quote(err)).c_str());
  RunResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

TEST(ChatCli, PipedResetClearsWithoutAsking) {
  const RunResult r = chat_with_input("-m " + quote(nano()) + " --max-tokens 2 --temperature 0", "hi\n/reset\nhello\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("[conversation cleared]"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("[y/N]"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("[kept the conversation]"), std::string::npos) << r.err;
}

TEST(ChatCli, UnwritableSessionDirectoryFailsBeforeAnyTurn) {
  const std::string file = "/nonexistent-dseek-dir/s.bin";
  const RunResult r = chat_with_input("-m " + quote(nano()) + " --max-tokens 2 --temperature 0 --session " + quote(file), "hi\n");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find(file + ": cannot save the --session file: directory /nonexistent-dseek-dir does not exist"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << "no turn was generated: " << r.out;
}

}  // namespace
}  // namespace dseek::test
