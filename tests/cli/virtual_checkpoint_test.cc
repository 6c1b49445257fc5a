// The full-size layout check: a virtual DeepSeek-V3.2 671B checkpoint (real config, names,
// dtypes, shapes; 163 sparse shards + index) passes `dseek inspect`, which reports the real
// parameter counts, while the files use almost no disk.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

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
