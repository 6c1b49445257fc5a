// `dseek run`, `dseek chat` and `dseek chat --session` on a DeepSeek-V4 checkpoint (tiny-v4 with
// the test tokenizer of fixtures-v4/tiny-v4-tokenizer): greedy runs are repeatable, a
// conversation restored from its session file continues exactly as the uninterrupted one, and
// a session file of another model is refused naming the file.
#include <gtest/gtest.h>

#include <filesystem>

#include "run_util.h"
#include "tiny_v4.h"

namespace dseek::test {
namespace {

#define TINY_V4_OR_SKIP(var)                                                         \
  TinyV4Dir var;                                                                     \
  if (var.path().empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 or its tokenizer not found"

// `dseek ARGS` with `input` on stdin (run_dseek's stdin is /dev/null), OMP_NUM_THREADS=1.
RunResult run_with_input(const std::string& args, const std::string& input) {
  static int counter = 0;
  const std::string tag = "v4_chat_" + std::to_string(counter++);
  const std::string in = write_temp(tag + ".in", input), out = write_temp(tag + ".out", ""),
                    err = write_temp(tag + ".err", "");
  const std::string cmd = "OMP_NUM_THREADS=1 " + quote(dseek_binary()) + " " + args + " <" + quote(in) + " >" + quote(out) +
                          " 2>" + quote(err);
  const int rc = std::system(cmd.c_str());
  RunResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

TEST(V4Run, GreedyRunWorksAndRepeats) {
  TINY_V4_OR_SKIP(d);
  const std::string args = "run -m " + quote(d.path()) + " -p hi --max-tokens 4 --temperature 0";
  const RunResult a = run_dseek(args);
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_NE(a.err.find("4 generated tokens"), std::string::npos) << a.err;
  EXPECT_NE(a.err.find("| length]"), std::string::npos) << a.err;  // 4 random tokens: cut off, shown verbatim
  const RunResult b = run_dseek(args);
  EXPECT_EQ(b.out, a.out);
  // --raw prints exactly the generated tokens; the prompt is V4's: BOS <｜User｜> h i <｜Assistant｜> </think>.
  const RunResult raw = run_dseek(args + " --raw");
  ASSERT_EQ(raw.status, 0) << raw.err;
  EXPECT_NE(raw.err.find("[6 prompt tokens"), std::string::npos) << raw.err;
  const RunResult think = run_dseek(args + " --think");
  ASSERT_EQ(think.status, 0) << think.err;
}

// With --max-tokens 1 the held state (the first prompt; the one sampled token is not fed) is a
// prefix of the second prompt, so the second turn reuses it: restored from the file in the
// second process. With 5 tokens the random model's text does not re-encode to its tokens, so
// the second turn starts over in both runs (and still agrees).
TEST(V4Chat, RestoredSessionContinuesLikeTheUninterruptedConversation) {
  TINY_V4_OR_SKIP(d);
  auto reused = [](const std::string& err) {
    const size_t at = err.find(" prompt tokens reused from the cache]");
    if (at == std::string::npos) return std::string("none");
    const size_t from = err.rfind('[', at) + 1;
    return err.substr(from, at - from);
  };
  for (const int n : {1, 5}) {
    const std::string base = "chat -m " + quote(d.path()) + " --max-tokens " + std::to_string(n) + " --temperature 0";
    // One process, two turns.
    const RunResult whole = run_with_input(base, "hi\nand then?\n");
    ASSERT_EQ(whole.status, 0) << whole.err;
    // Two processes, one turn each, through the session file.
    const std::string file = d.scratch("chat" + std::to_string(n) + ".session");
    const RunResult one = run_with_input(base + " --session " + quote(file), "hi\n");
    ASSERT_EQ(one.status, 0) << one.err;
    ASSERT_TRUE(std::filesystem::exists(file));
    EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
    const RunResult two = run_with_input(base + " --session " + quote(file), "and then?\n");
    ASSERT_EQ(two.status, 0) << two.err;
    EXPECT_EQ(one.out + two.out, whole.out) << n;
    EXPECT_EQ(reused(two.err), reused(whole.err)) << n;
    if (n == 1) {
      EXPECT_EQ(reused(two.err), "6") << two.err;  // BOS <｜User｜> h i <｜Assistant｜> </think>
    }
    std::printf("--max-tokens %d: second turn reused %s tokens (uninterrupted: %s)\n", n, reused(two.err).c_str(),
                reused(whole.err).c_str());
  }
}

TEST(V4Chat, ASessionOfAnotherModelIsRefused) {
  TINY_V4_OR_SKIP(d);
  // A V3.x session file (nano-agent, the built-in model) given to the V4 model.
  const std::string nano = repo_dir() + "/models/nano-agent";
  if (!std::filesystem::exists(nano + "/config.json")) GTEST_SKIP() << "models/nano-agent not found";
  const std::string file = d.scratch("v3.session");
  const RunResult v3 = run_with_input("chat -m " + quote(nano) + " --max-tokens 2 --temperature 0 --session " + quote(file), "hi\n");
  ASSERT_EQ(v3.status, 0) << v3.err;
  const RunResult r =
      run_with_input("chat -m " + quote(d.path()) + " --max-tokens 2 --temperature 0 --session " + quote(file), "hi\n");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DeepSeek-V3.x session"), std::string::npos) << r.err;
  // And a V4 session given to the V3 model: refused by the V3 reader, naming the file.
  const std::string v4file = d.scratch("v4.session");
  ASSERT_EQ(run_with_input("chat -m " + quote(d.path()) + " --max-tokens 2 --temperature 0 --session " + quote(v4file), "hi\n").status, 0);
  const RunResult back =
      run_with_input("chat -m " + quote(nano) + " --max-tokens 2 --temperature 0 --session " + quote(v4file), "hi\n");
  EXPECT_NE(back.status, 0);
  EXPECT_NE(back.err.find(v4file), std::string::npos) << back.err;
}

}  // namespace
}  // namespace dseek::test
