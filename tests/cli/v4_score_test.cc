// `dseek score` and `dseek perplexity` on a DeepSeek-V4 checkpoint (fixtures-v4/tiny-v4): the
// command picks the V4 model by config.json, and its logits (prefill and --decode) are within the
// fixture's 1e-3 of the oracle's goldens.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/golden.h"
#include "run_util.h"
#include "weights/gguf_test_util.h"

namespace dseek::test {
namespace {

TEST(V4Score, PrefillAndDecodeWithinTolerance) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  TempDir t;
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  std::vector<int64_t> ids = as_i64(golden->get("prompt0.tokens"));
  std::ofstream(t.path("ids.json")) << nlohmann::json(ids).dump();
  for (const std::string path : {"prefill", "decode"}) {
    const std::string out = t.path(path + ".safetensors");
    const RunResult r = run_dseek("score -m " + quote(dir) + " --ids-file " + quote(t.path("ids.json")) + " --out " +
                                  quote(out) + (path == "decode" ? " --decode" : ""));
    ASSERT_EQ(r.status, 0) << r.err;
    const std::vector<float> got = as_f32(SafetensorsFile::open(out)->get("logits"));
    const std::vector<float> want = as_f32(golden->get("prompt0." + path + ".logits"));
    ASSERT_EQ(got.size(), want.size());
    EXPECT_LE(max_abs_diff(got.data(), want.data(), got.size()), 1e-3f) << path;
  }
}

TEST(V4Score, OtherNumericsAreAClearError) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  TempDir t;
  std::ofstream(t.path("ids.json")) << "[0, 5, 7]";
  const RunResult r = run_dseek("score -m " + quote(dir) + " --numerics int8 --ids-file " + quote(t.path("ids.json")) +
                                " --out " + quote(t.path("o.safetensors")));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("DeepSeek-V4"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(t.path("o.safetensors")));
}

}  // namespace
}  // namespace dseek::test
