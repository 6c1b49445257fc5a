// The full-size layout check: a virtual DeepSeek-V3.2 671B checkpoint (real config, names,
// dtypes, shapes; 163 sparse shards + index) passes `dseek inspect`, which reports the real
// parameter counts, while the files use almost no disk.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "../convert/interrupt_util.h"
#include "run_util.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

TEST(VirtualCheckpoint, Real671BLayoutValidates) {
  fs::path dir = fs::temp_directory_path() / ("dseek_v671_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  RunResult w = run_dseek("virtual-checkpoint --config " + quote(repo_dir() + "/tests/data/deepseek-v3.2-config/config.json") +
                          " --out " + quote(dir.string()));
  ASSERT_EQ(w.status, 0) << w.err;
  int shards = 0;
  uint64_t allocated = 0, apparent = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    struct stat st {};
    ::stat(e.path().c_str(), &st);
    allocated += static_cast<uint64_t>(st.st_blocks) * 512;
    apparent += static_cast<uint64_t>(st.st_size);
    shards += e.path().extension() == ".safetensors";
  }
  EXPECT_EQ(shards, 163);
  EXPECT_GT(apparent, 680e9);
  EXPECT_LT(allocated, 200e6) << "sparse files";
  RunResult r = run_dseek("inspect --json -m " + quote(dir.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tensors"], 92425);
  EXPECT_EQ(j["shards"], 163);
  EXPECT_NEAR(j["params"]["main"].get<double>(), 671.88e9, 0.01e9);  // the 671B model
  EXPECT_NEAR(j["params"]["mtp"].get<double>(), 13.48e9, 0.01e9);
  EXPECT_NEAR(j["params"]["active_per_token"].get<double>(), 38.4e9, 0.1e9);
  // Exact numerics cache rows: 61 layers x (512 + 64 + 128) fp32 values a token.
  EXPECT_EQ(j["memory"]["kv_cache_bytes_per_token"], 61 * (512 + 64 + 128) * 4);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dseek::test

namespace dseek::test {
namespace {

// The GGUF form: the 671B layout as llama-quantize's Q4_K_M would write it, split into
// llama-gguf-split parts, passes `inspect` from any part; a small config's virtual GGUF runs
// a decode step (all weights zero: finite logits).
TEST(VirtualCheckpoint, Real671BGgufQ4KMValidates) {
  fs::path dir = fs::temp_directory_path() / ("dseek_vgguf_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  RunResult w = run_dseek("virtual-checkpoint --format gguf --type q4_k_m --config " +
                          quote(repo_dir() + "/tests/data/deepseek-v3.2-config/config.json") + " --out " +
                          quote((dir / "v.gguf").string()));
  ASSERT_EQ(w.status, 0) << w.err;
  int parts = 0;
  uint64_t allocated = 0, apparent = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    struct stat st {};
    ::stat(e.path().c_str(), &st);
    allocated += static_cast<uint64_t>(st.st_blocks) * 512;
    apparent += static_cast<uint64_t>(st.st_size);
    ++parts;
  }
  EXPECT_EQ(parts, 9);  // 50 GB parts
  EXPECT_NEAR(double(apparent), 411.5e9, 1e9);
  EXPECT_LT(allocated, 50e6) << "sparse files";
  RunResult r = run_dseek("inspect --json -m " + quote((dir / "v-00005-of-00009.gguf").string()));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["shards"], 9);
  EXPECT_NEAR(j["params"]["main"].get<double>(), 671.88e9, 0.01e9);
  EXPECT_NEAR(j["gguf"]["bits_per_weight"].get<double>(), 4.82, 0.01);
  EXPECT_EQ(j["gguf"]["classes"]["routed experts"]["Q4_K"]["tensors"], 148);  // gate/up of 58 layers + 32 downs
  fs::remove_all(dir);
}

TEST(VirtualCheckpoint, SmallGgufDecodes) {
  fs::path dir = fs::temp_directory_path() / ("dseek_vgguf_small_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string out = (dir / "s.gguf").string();
  RunResult w = run_dseek("virtual-checkpoint --format gguf --type q2_k --split-max-size 0 --config " +
                          quote(data_path("fixtures/gguf/gguf-v32/config.json")) + " --out " + quote(out));
  ASSERT_EQ(w.status, 0) << w.err;
  std::ofstream(dir / "ids.json") << "[0, 5, 9]";
  RunResult s = run_dseek("score --decode -m " + quote(out) + " --ids-file " + quote((dir / "ids.json").string()) +
                          " --out " + quote((dir / "l.safetensors").string()));
  EXPECT_EQ(s.status, 0) << s.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dseek::test

namespace dseek::test {
namespace {

// SIGTERM while the 671B GGUF's parts are being written (part 1's temp file blocks in
// write(); the eight others exist as real temp files): no temp file and no part remains, and
// the process dies of SIGTERM.
TEST(VirtualCheckpoint, SigtermWhileWritingGgufLeavesNothing) {
  fs::path dir = fs::temp_directory_path() / ("dseek_vgguf_int_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "out");
  std::vector<std::string> seen;
  const Interrupted r = interrupt_while_writing(
      dseek_binary(),
      {"virtual-checkpoint", "--format", "gguf", "--type", "q4_k_m", "--config",
       repo_dir() + "/tests/data/deepseek-v3.2-config/config.json", "--out", (dir / "out" / "v.gguf").string()},
      (dir / "out" / "v-00001-of-00009.gguf.tmp").string(), (dir / "log").string(), SIGTERM, [&] {
        for (auto& e : fs::directory_iterator(dir / "out")) seen.push_back(e.path().filename().string());
      });
  ASSERT_TRUE(r.blocked) << read_text((dir / "log").string());
  EXPECT_EQ(r.first_bytes, "GGUF");
  std::sort(seen.begin(), seen.end());
  ASSERT_EQ(seen.size(), 9u);
  for (int k = 0; k < 9; ++k)
    EXPECT_EQ(seen[k], "v-0000" + std::to_string(k + 1) + "-of-00009.gguf.tmp");
  EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGTERM) << "status " << r.status;
  EXPECT_TRUE(fs::is_empty(dir / "out"));
  fs::remove_all(dir);
}

// The safetensors form, interrupted while it writes the first shard (a FIFO here): the
// config.json and the shard go; the directory, which existed before, stays.
TEST(VirtualCheckpoint, SigintWhileWritingShardsLeavesNothing) {
  fs::path dir = fs::temp_directory_path() / ("dseek_vst_int_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "ck";
  fs::create_directories(out);
  std::vector<std::string> seen;
  const Interrupted r = interrupt_while_writing(
      dseek_binary(),
      {"virtual-checkpoint", "--config", repo_dir() + "/tests/data/deepseek-v3.2-config/config.json", "--out", out.string(),
       "--shards", "163"},
      (out / "model-00001-of-00163.safetensors").string(), (dir / "log").string(), SIGINT, [&] {
        for (auto& e : fs::directory_iterator(out)) seen.push_back(e.path().filename().string());
      });
  ASSERT_TRUE(r.blocked) << read_text((dir / "log").string());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"config.json", "model-00001-of-00163.safetensors"}));
  EXPECT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGINT) << "status " << r.status;
  EXPECT_TRUE(fs::is_empty(out));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dseek::test
