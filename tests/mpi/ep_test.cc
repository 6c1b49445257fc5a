// Expert parallelism under mpirun (src/mpi/README.md), started by the test itself on this
// machine (--oversubscribe; --allow-run-as-root as root): `dseek score` on tiny-moe-dsa with 2
// and 4 ranks (prefill) and 3 ranks (decode path, uneven: 6/5/5 of 16 experts) is within 1e-5 of
// one process with the same argmax in every row, and 2 ranks repeat bit for bit; `run` on the built-in model
// greedy-decodes the same text on 2 ranks; what this slice does not support is refused clearly;
// a rank that dies ends the job.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/run_util.h"
#include "model/golden.h"
#include "mpi/communicator.h"

namespace dseek::test {
namespace {

// Why the test cannot run here, or empty.
std::string skip_reason() {
  if (!mpi::built_with_mpi()) return "dseek was built without MPI (install libopenmpi-dev and re-run cmake)";
  if (std::system("command -v mpirun >/dev/null 2>&1") != 0) return "mpirun not found (apt-get install openmpi-bin)";
  return "";
}

#define SKIP_WITHOUT_MPI()                                      \
  do {                                                          \
    if (const std::string why = skip_reason(); !why.empty()) { \
      GTEST_SKIP() << why;                                      \
    }                                                           \
  } while (0)

// `mpirun -np N dseek ARGS` (np 0: dseek alone), one thread a rank.
RunResult dseek_on(int np, const std::string& args) {
  if (np == 0) return run_dseek(args);
  std::string mpirun = "mpirun --oversubscribe -np " + std::to_string(np) + (geteuid() == 0 ? " --allow-run-as-root" : "");
  return run_shell("OMP_NUM_THREADS=1 " + mpirun + " -x OMP_NUM_THREADS '" + dseek_binary() + "' " + args);
}

struct Fixture {
  std::string dir = data_path("fixtures/tiny-moe-dsa");
  std::string ids;
  Fixture() {
    auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
    std::string json = "[";
    for (int64_t id : as_i64(golden->get("prompt0.tokens"))) {
      if (json.size() > 1) json += ',';
      json += std::to_string(id);
    }
    ids = write_temp("mpi_ids.json", json + "]");
  }
};

std::vector<float> score(int np, const Fixture& f, const std::string& name, const std::string& extra = "") {
  const std::string out = write_temp(name, "");
  const RunResult r = dseek_on(np, "score -m " + quote(f.dir) + " --ids-file " + quote(f.ids) + " --out " + quote(out) + extra);
  EXPECT_EQ(r.status, 0) << r.err;
  if (np > 1) {
    EXPECT_NE(r.err.find("[ep: " + std::to_string(np) + " ranks"), std::string::npos) << r.err;
  }
  if (r.status != 0) return {};
  return as_f32(SafetensorsFile::open(out)->get("logits"));
}

void expect_same_argmax(const std::vector<float>& a, const std::vector<float>& b, int64_t vocab) {
  for (size_t row = 0; row * vocab < a.size(); ++row)
    EXPECT_EQ(argmax_row(a.data() + row * vocab, vocab), argmax_row(b.data() + row * vocab, vocab)) << "row " << row;
}

TEST(ExpertParallel, ScoreMatchesOneProcessAndRepeatsBitForBit) {
  SKIP_WITHOUT_MPI();
  const Fixture f;
  const int64_t V = 512;
  const std::vector<float> one = score(0, f, "one.safetensors");
  const std::vector<float> golden = as_f32(SafetensorsFile::open(f.dir + "/golden.exact.safetensors")->get("prompt0.prefill.logits"));
  ASSERT_EQ(one.size(), golden.size());
  std::vector<float> ep2;
  for (int np : {2, 4}) {
    const std::vector<float> ep = score(np, f, "ep" + std::to_string(np) + ".safetensors");
    if (np == 2) ep2 = ep;
    ASSERT_EQ(ep.size(), one.size()) << np << " ranks";
    EXPECT_LE(max_abs_diff(ep.data(), one.data(), one.size()), 1e-5f) << np << " ranks";
    EXPECT_LE(max_abs_diff(ep.data(), golden.data(), one.size()), 1e-3f) << np << " ranks";
    expect_same_argmax(ep, one, V);
  }
  const std::vector<float> again = score(2, f, "again.safetensors");
  ASSERT_EQ(again.size(), ep2.size());
  EXPECT_EQ(std::memcmp(again.data(), ep2.data(), ep2.size() * sizeof(float)), 0) << "two runs on 2 ranks differ";
}

// 3 ranks: an uneven split (6, 5, 5 of 16 experts).
TEST(ExpertParallel, DecodePathOnUnevenSplitMatchesOneProcess) {
  SKIP_WITHOUT_MPI();
  const Fixture f;
  const std::vector<float> one = score(0, f, "one_dec.safetensors", " --decode");
  const std::vector<float> ep = score(3, f, "ep_dec.safetensors", " --decode");
  ASSERT_EQ(ep.size(), one.size());
  EXPECT_LE(max_abs_diff(ep.data(), one.data(), one.size()), 1e-5f);
  expect_same_argmax(ep, one, 512);
}

TEST(ExpertParallel, RunGreedyTextIdenticalOnBuiltInModel) {
  SKIP_WITHOUT_MPI();
  const std::string args = "run -m " + quote(repo_dir() + "/models/nano-agent") +
                           " -p 'What is 12 * 34?' --temperature 0 --max-tokens 12 --raw";
  const RunResult one = dseek_on(0, args), ep = dseek_on(2, args);
  ASSERT_EQ(one.status, 0) << one.err;
  ASSERT_EQ(ep.status, 0) << ep.err;
  EXPECT_FALSE(one.out.empty());
  EXPECT_EQ(ep.out, one.out);
  EXPECT_NE(ep.err.find("[ep: 2 ranks"), std::string::npos) << ep.err;
}

TEST(ExpertParallel, UnsupportedCasesAreClearErrors) {
  SKIP_WITHOUT_MPI();
  const Fixture f;
  const std::string out = write_temp("refused.safetensors", "");
  RunResult r = dseek_on(2, "inspect -m " + quote(f.dir));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("`dseek inspect` is not supported under MPI yet"), std::string::npos) << r.err;
  // Every rank refuses alike; the message is printed once (rank 0's).
  EXPECT_EQ(r.err.find("not supported under MPI"), r.err.rfind("not supported under MPI")) << r.err;
  r = dseek_on(2, "score -m " + quote(data_path("fixtures/tiny-dense")) + " --ids-file " + quote(f.ids) + " --out " +
                      quote(out));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("needs a MoE model"), std::string::npos) << r.err;
}

// Rank 1 opens a copy of the checkpoint whose config differs (symlinked weights): rank 0 refuses
// to start, naming the rank, before any step runs.
TEST(ExpertParallel, RanksWithDifferentCheckpointsRefuseToStart) {
  SKIP_WITHOUT_MPI();
  namespace fs = std::filesystem;
  const Fixture f;
  const fs::path other = fs::path(write_temp("mpi_ids_dir_probe", "")).parent_path() / "mpi_other_ckpt";
  fs::remove_all(other);
  fs::create_directories(other);
  for (const auto& e : fs::directory_iterator(f.dir))
    if (e.path().filename().string().rfind("model", 0) == 0)  // model-*.safetensors, model.safetensors.index.json
      fs::create_symlink(e.path(), other / e.path().filename());
  std::string cfg = slurp(f.dir + "/config.json");
  const std::string eps = "\"rms_norm_eps\": 1e-06";
  const size_t at = cfg.find(eps);
  ASSERT_NE(at, std::string::npos);
  cfg.replace(at, eps.size(), "\"rms_norm_eps\": 1e-05");
  std::ofstream(other / "config.json") << cfg;
  const std::string out = write_temp("mismatch.safetensors", ""), tail = " --ids-file " + quote(f.ids) + " --out " + quote(out);
  // MPMD: one rank per command line (mpirun A : B).
  const RunResult r = dseek_on(1, "score -m " + quote(f.dir) + tail + " : -np 1 '" + dseek_binary() + "' score -m " +
                                      quote(other.string()) + tail);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("rank 1 sees a different checkpoint (config + tensor index) than rank 0"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("scored"), std::string::npos) << r.err;
}

// The pid of the process whose environment holds every one of `vars` ("NAME=value"), or -1.
pid_t find_process_with_env(const std::vector<std::string>& vars) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/proc", ec)) {
    const std::string name = d.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string env = slurp(d.path().string() + "/environ");
    bool all = true;
    for (const std::string& v : vars) all = all && env.find(v + '\0') != std::string::npos;
    if (all) return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

TEST(ExpertParallel, KilledRankEndsTheJobQuickly) {
  SKIP_WITHOUT_MPI();
  const Fixture f;
  // A long --decode run (2000 single-token steps) so that rank 1 is killed mid-job.
  std::string ids = "[0";
  for (int i = 1; i < 2000; ++i) {
    ids += ',';
    ids += std::to_string(2 + (i * 37) % 500);
  }
  const std::string ids_file = write_temp("mpi_long_ids.json", ids + "]"), out = write_temp("killed.safetensors", "");
  const std::string err = write_temp("killed_err", ""), tag = "DSEEK_EP_KILL_TAG=" + std::to_string(getpid());
  const std::string cmd = "OMP_NUM_THREADS=1 " + tag + " mpirun --oversubscribe -np 2" +
                          (geteuid() == 0 ? " --allow-run-as-root" : "") + " -x OMP_NUM_THREADS -x DSEEK_EP_KILL_TAG '" +
                          dseek_binary() + "' score --decode -m " + quote(f.dir) + " --ids-file " + quote(ids_file) +
                          " --out " + quote(out) + " >/dev/null 2>'" + err + "' </dev/null";
  const pid_t job = fork();
  ASSERT_GE(job, 0);
  if (job == 0) {
    setpgid(0, 0);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  using Clock = std::chrono::steady_clock;
  pid_t rank1 = -1;
  for (auto t0 = Clock::now(); rank1 < 0 && Clock::now() - t0 < std::chrono::seconds(10);) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    rank1 = find_process_with_env({tag, "OMPI_COMM_WORLD_RANK=1"});
  }
  int status = 0;
  if (rank1 < 0) {
    kill(-job, SIGKILL);
    waitpid(job, &status, 0);
    FAIL() << "rank 1 never started: " << slurp(err);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // into the decode steps
  ASSERT_EQ(kill(rank1, SIGKILL), 0);
  const auto killed = Clock::now();
  pid_t done = 0;
  while ((done = waitpid(job, &status, WNOHANG)) == 0 && Clock::now() - killed < std::chrono::seconds(10))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done == 0) {
    kill(-job, SIGKILL);
    waitpid(job, &status, 0);
    FAIL() << "the job still ran 10 s after rank 1 was killed";
  }
  const std::string msg = slurp(err);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << msg;
  EXPECT_NE(msg.find("rank 1"), std::string::npos) << msg;
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - killed).count(), 10.0);
}

}  // namespace
}  // namespace dseek::test
