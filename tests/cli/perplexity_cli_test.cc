// `dseek perplexity --save-logprobs F`: an unwritable F fails before any work, naming F; an
// interrupted run leaves no F.tmp behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "../convert/interrupt_util.h"
#include "run_util.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

std::string nano() { return repo_dir() + "/models/nano-agent"; }

TEST(PerplexityCli, UnwritableSaveLogprobsFailsUpFrontNamingThePath) {
  const std::string text = write_temp("ppl_text.txt", "the quick brown fox jumps over the lazy dog again and again");
  const std::string bad = "/nonexistent-dseek-dir/x.lp";
  const RunResult r = run_dseek("perplexity -m " + quote(nano()) + " --text-file " + quote(text) + " --ctx 8 --save-logprobs " + quote(bad));
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find(bad + ": cannot create"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(".tmp"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(" chunks of "), std::string::npos) << "no work before the check: " << r.err;
}

// F.tmp is a FIFO here, so the run blocks in its first row; SIGINT removes it.
TEST(PerplexityCli, SigintLeavesNoTempFile) {
  const fs::path dir = fs::temp_directory_path() / ("dseek_ppl_int_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string words;
  for (int i = 0; i < 40; ++i) words += "the quick brown fox jumps over the lazy dog ";
  const std::string text = write_temp("ppl_int_text.txt", words);
  const std::string out = (dir / "x.lp").string();
  const Interrupted r = interrupt_while_writing(
      dseek_binary(), {"perplexity", "-m", nano(), "--text-file", text, "--ctx", "16", "--save-logprobs", out},
      out + ".tmp", (dir / "log").string(), SIGINT, [] {});
  ASSERT_TRUE(r.blocked) << read_text((dir / "log").string());
  EXPECT_EQ(r.first_bytes, "DSEE");
  EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGINT) << "status " << r.status;
  EXPECT_FALSE(fs::exists(out + ".tmp"));
  EXPECT_FALSE(fs::exists(out));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dseek::test
