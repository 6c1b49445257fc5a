// `dseek bench`: with --json, stdout is one JSON object in the shape (machine figures
// and result rows with percentages in 0..100); bad arguments are refused before anything is
// measured, with one error line.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "run_util.h"

namespace dseek::test {
namespace {

using json = nlohmann::json;

TEST(Bench, JsonShapeOnBuiltInModel) {
  RunResult r = run_dseek("bench --json --phase all --batch 1,2 --repeat 1 --prefill-tokens 16");
  ASSERT_EQ(r.status, 0) << r.err;
  json j = json::parse(r.out);  // throws (fails) unless stdout is exactly one JSON document
  ASSERT_TRUE(j["machine"].is_object());
  EXPECT_GT(j["machine"]["mem_bw_gbs"].get<double>(), 0.1);
  EXPECT_GT(j["machine"]["fma_gflops"].get<double>(), 0.1);
  EXPECT_EQ(j["machine"]["threads"].get<int>(), 1);
  ASSERT_EQ(j["results"].size(), 3u);  // prefill + decode at batch 1 and 2
  for (const json& row : j["results"]) {
    EXPECT_EQ(row["name"], "nano-agent");
    for (const char* k : {"tokens_per_s", "gbs", "gflops", "pct_bw", "pct_fma"}) ASSERT_TRUE(row[k].is_number()) << k;
    EXPECT_GT(row["tokens_per_s"].get<double>(), 0.0);
    for (const char* k : {"pct_bw", "pct_fma"}) {
      EXPECT_GE(row[k].get<double>(), 0.0) << k;
      EXPECT_LE(row[k].get<double>(), 100.0) << k;
    }
  }
  EXPECT_EQ(j["results"][0]["phase"], "prefill");
  EXPECT_EQ(j["results"][0]["batch"], 16);
  EXPECT_EQ(j["results"][2]["phase"], "decode");
  EXPECT_EQ(j["results"][2]["batch"], 2);
  EXPECT_GT(j["results"][2]["pct_bw"].get<double>(), 0.0);
}

TEST(Bench, BadArgumentsFailBeforeMeasuring) {
  const char* bad[][2] = {{"--batch 0", "--batch sizes must be >= 1"},
                          {"--batch 1,", "is not a list"},
                          {"--threads -1", "--threads must be >= 0"},
                          {"--repeat 0", "--repeat must be >= 1"},
                          {"--experts 5", "apply to --synthetic only"},
                          {"--synthetic real-layer --experts 0", "--experts must be in 1..256"},
                          {"--context 999999", "max_position_embeddings"},
                          {"--prefill-tokens 1", "--prefill-tokens must be >= 2"},
                          {"-m /nonexistent/dir --kernels", "/nonexistent/dir"}};
  for (auto& b : bad) {
    auto t0 = std::chrono::steady_clock::now();
    RunResult r = run_dseek(std::string("bench ") + b[0]);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(r.status, 1) << b[0];
    EXPECT_NE(r.err.find(b[1]), std::string::npos) << b[0] << ": " << r.err;
    EXPECT_EQ(r.err.find("measuring this machine"), std::string::npos) << b[0] << ": measured before failing";
    EXPECT_LT(s, 20.0) << b[0];
  }
}

}  // namespace
}  // namespace dseek::test

namespace dseek::test {
namespace {

// The V4-Flash layer bench: real shapes, 6 experts to keep it small; a prefill row and decode
// rows at two contexts, with the bytes a token reads growing with the context (indexer keys).
TEST(Bench, V4FlashLayerRows) {
  RunResult r = run_dseek(
      "bench --synthetic v4-flash-layer --experts 6 --json --phase all --prefill-tokens 16 --context 0,2048 --repeat 1");
  ASSERT_EQ(r.status, 0) << r.err;
  json j = json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_EQ(j["results"][0]["phase"], "prefill");
  for (const json& row : j["results"]) {
    EXPECT_EQ(row["name"], "v4-flash-layer");
    EXPECT_GT(row["tokens_per_s"].get<double>(), 0.0);
    EXPECT_GT(row["gflops"].get<double>(), 0.0);
  }
  const double b0 = 1e9 * j["results"][1]["gbs"].get<double>() * j["results"][1]["seconds"].get<double>();
  const double b1 = 1e9 * j["results"][2]["gbs"].get<double>() * j["results"][2]["seconds"].get<double>();
  // 2048 tokens: 512 CSA entries (indexer keys 512 B, 512 of them selected at 2 KiB) + 16 HCA
  // entries + 127 more window rows in each layer.
  EXPECT_NEAR(b1 - b0, 512 * 512.0 + 512 * 2048.0 + 16 * 2048.0 + 2 * 127 * 2048.0, 16.0);
  RunResult bad = run_dseek("bench --synthetic v4-flash-layer --mtp --repeat 1");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("V4 runs as shipped"), std::string::npos) << bad.err;
  RunResult int8 = run_dseek("bench --synthetic v4-flash-layer --numerics int8 --repeat 1");
  EXPECT_EQ(int8.status, 1);
  EXPECT_NE(int8.err.find("exact or official"), std::string::npos) << int8.err;
}

}  // namespace
}  // namespace dseek::test
