// `dseek inspect` and `dseek virtual-checkpoint` on DeepSeek-V4 checkpoints: the tiny-v4
// fixture's report (layers by kind, weight classes, state plan); a virtual tiny-v4 written from
// its config.json passes inspect and loads (and runs) in ModelV4; defects are one-line errors.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model_v4/model_v4.h"
#include "run_util.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& tag) {
  fs::path d = fs::temp_directory_path() / ("dseek_v4cli_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

void expect_one_line_error(const RunResult& r, const std::vector<std::string>& needles) {
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
  for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "'" << n << "' not in: " << r.err;
}

TEST(V4Cli, InspectTinyV4) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  RunResult t = run_dseek("inspect -m " + quote(dir));
  ASSERT_EQ(t.status, 0) << t.err;
  for (const char* s : {"(deepseek_v4)", "layers: 2 CSA (ratio 4), 1 HCA (ratio 128), 1 window; MTP: 1 window",
                        "hash-routed layers (tid2eid): 2 (0-1)", "667 in 3 shard(s), all present", "routed experts",
                        "compressor+indexer", "window ring 128 x 128", "indexer keys 128 / 4 tokens"})
    EXPECT_NE(t.out.find(s), std::string::npos) << "'" << s << "' not in:\n" << t.out;
  RunResult r = run_dseek("inspect --json -m " + quote(dir));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tensors"], 667);
  EXPECT_EQ(j["layers"]["CSA"]["count"], 2);
  EXPECT_EQ(j["layers"]["CSA"]["layers"], nlohmann::json::array({1, 3}));
  EXPECT_EQ(j["layers"]["HCA"]["count"], 1);
  EXPECT_EQ(j["layers"]["window"]["count"], 1);
  EXPECT_EQ(j["layers"]["mtp window"]["count"], 1);
  EXPECT_EQ(j["hash_layers"], nlohmann::json::array({0, 1}));
  // Routed experts: 5 blocks x 16 experts x 3 x 128 x 256 FP4 codes; 4 of 16 a token (trunk).
  EXPECT_EQ(j["classes"]["routed experts"]["params"], 4LL * 16 * 3 * 128 * 256);
  EXPECT_EQ(j["classes"]["mtp"]["active_bytes"], 0);
  // State a token (fp32): 2 CSA layers x (128 + 128) / 4 + 1 HCA layer x 128 / 128 = 129 values.
  EXPECT_DOUBLE_EQ(j["state"]["exact"]["bytes_per_token"].get<double>(), 129.0 * 4);
  EXPECT_DOUBLE_EQ(j["state"]["official"]["bytes_per_token"].get<double>(), 129.0 * 2);
  EXPECT_EQ(j["params"]["bound"], j["params"]["total"]);
}

TEST(V4Cli, VirtualTinyV4ValidatesLoadsAndRuns) {
  const std::string cfg = data_path("deepseek-v4-config/tiny-v4.config.json");
  ASSERT_FALSE(cfg.empty());
  const fs::path dir = temp_dir("virt");
  RunResult w = run_dseek("virtual-checkpoint --config " + quote(cfg) + " --out " + quote(dir.string()) + " --shards 3");
  ASSERT_EQ(w.status, 0) << w.err;
  EXPECT_NE(w.err.find("667 tensors"), std::string::npos) << w.err;
  EXPECT_TRUE(fs::exists(dir / "model.safetensors.index.json"));
  EXPECT_TRUE(fs::exists(dir / "model-00003-of-00003.safetensors"));
  RunResult r = run_dseek("inspect --json -m " + quote(dir.string()));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tensors"], 667);
  EXPECT_EQ(j["shards"], 3);
  // The same tensors as the real fixture: the same parameter count.
  const std::string fixture = data_path("fixtures-v4/tiny-v4");
  if (!fixture.empty()) {
    RunResult f = run_dseek("inspect --json -m " + quote(fixture));
    ASSERT_EQ(f.status, 0) << f.err;
    auto jf = nlohmann::json::parse(f.out);
    EXPECT_EQ(j["params"], jf["params"]);
    EXPECT_EQ(j["classes"], jf["classes"]);
  }
  auto m = ModelV4::load(dir.string());
  // tid2eid holds distinct ids (t + k) mod 16, the rest is zero: the forward runs, finite logits.
  EXPECT_EQ(m->weights().layers[0].ffn.tid2eid[5 * 4 + 3], (5 + 3) % 16);
  StateV4 st = m->new_state();
  ForwardV4 out = m->forward({0, 7, 9}, st, false);
  ASSERT_EQ(out.logits.size(), 512u);
  for (float v : out.logits) ASSERT_TRUE(std::isfinite(v));
  fs::remove_all(dir);
}

TEST(V4Cli, InspectNamesTheMissingCompressorTensor) {
  const std::string cfg = data_path("deepseek-v4-config/tiny-v4.config.json");
  ASSERT_FALSE(cfg.empty());
  const fs::path dir = temp_dir("bad");
  ASSERT_EQ(run_dseek("virtual-checkpoint --config " + quote(cfg) + " --out " + quote(dir.string()) + " --shards 2").status, 0);
  nlohmann::ordered_json idx = nlohmann::ordered_json::parse(slurp((dir / "model.safetensors.index.json").string()));
  idx["weight_map"].erase("layers.3.attn.compressor.wgate.weight");
  std::ofstream((dir / "model.safetensors.index.json").string()) << idx.dump();
  expect_one_line_error(run_dseek("inspect -m " + quote(dir.string())),
                        {(dir / "model.safetensors.index.json").string(),
                         "missing tensor 'layers.3.attn.compressor.wgate.weight'", "compress_ratios[3] = 4"});
  fs::remove_all(dir);
}

TEST(V4Cli, VirtualCheckpointRefusesBadV4Configs) {
  const std::string cfg = data_path("deepseek-v4-config/tiny-v4.config.json");
  ASSERT_FALSE(cfg.empty());
  const fs::path dir = temp_dir("refuse");
  fs::create_directories(dir);
  nlohmann::ordered_json c = nlohmann::ordered_json::parse(slurp(cfg));
  c["compress_ratios"] = {0, 4, 128};
  const std::string bad = (dir / "bad.json").string();
  std::ofstream(bad) << c.dump();
  expect_one_line_error(run_dseek("virtual-checkpoint --config " + quote(bad) + " --out " + quote((dir / "o").string())),
                        {bad, "key 'compress_ratios'", "has 3 entries"});
  EXPECT_FALSE(fs::exists(dir / "o"));
  expect_one_line_error(run_dseek("virtual-checkpoint --format gguf --config " + quote(cfg) + " --out " +
                                  quote((dir / "v.gguf").string())),
                        {cfg, "DeepSeek-V4", "--format safetensors"});
  EXPECT_FALSE(fs::exists(dir / "v.gguf"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dseek::test
