// `dseek score --numerics official` on DeepSeek-V4 (tiny-v4): prefill and decode logits within
// the sanity bounds of the exact goldens (oracle-v4 REPORT.md), not the exact logits; int8 is
// refused with a one-line error.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "../model/golden.h"
#include "run_util.h"

namespace dseek::test {
namespace {

TEST(V4OfficialCli, ScorePrefillAndDecode) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  const std::vector<int64_t> toks = as_i64(golden->get("prompt0.tokens"));
  const std::string ids = write_temp("v4off_ids.json", nlohmann::json(toks).dump());
  const int64_t V = 512, T = static_cast<int64_t>(toks.size());
  for (const bool decode : {false, true}) {
    SCOPED_TRACE(decode ? "decode" : "prefill");
    const std::string out = write_temp(decode ? "v4off_dec.safetensors" : "v4off_pre.safetensors", "");
    RunResult r = run_dseek("score -m " + quote(dir) + " --ids-file " + quote(ids) + " --out " + quote(out) +
                            " --numerics official" + (decode ? " --decode" : ""));
    ASSERT_EQ(r.status, 0) << r.err;
    auto f = SafetensorsFile::open(out);
    const TensorView& l = f->get("logits");
    ASSERT_EQ(l.shape, (std::vector<int64_t>{T, V}));
    const std::vector<float> got = as_f32(l);
    const std::vector<float> want = as_f32(golden->get(decode ? "prompt0.decode.logits" : "prompt0.prefill.logits"));
    double mean = 0;
    int64_t agree = 0;
    for (size_t i = 0; i < got.size(); ++i) mean += std::fabs(got[i] - want[i]);
    mean /= static_cast<double>(got.size());
    for (int64_t t = 0; t < T; ++t) agree += argmax_row(got.data() + t * V, V) == argmax_row(want.data() + t * V, V);
    EXPECT_LT(mean, 0.5);
    EXPECT_GT(mean, 1e-3) << "official gave the exact logits";
    EXPECT_GT(static_cast<double>(agree) / T, 0.6);
  }
  RunResult bad = run_dseek("score -m " + quote(dir) + " --ids-file " + quote(ids) + " --out " +
                            quote(write_temp("v4off_bad.safetensors", "")) + " --numerics int8");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("exact or official"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace dseek::test
