// Checkpoint::fingerprint (what a saved session is checked against): stable for the same
// model wherever its files are, different for another quantisation, shape, config or
// fine-tune; ModelConfig::to_json, which it hashes, reads back to the same config.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "gguf_test_util.h"
#include "weights/checkpoint.h"
#include "weights/config.h"
#include "weights/gguf_model.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

TEST(Fingerprint, SameModelSameFingerprintAnywhere) {
  const std::string q8 = gguf_fixture("gguf-v32-Q8_0.gguf");
  const std::string fp = Checkpoint::open(q8)->fingerprint();
  EXPECT_TRUE(std::regex_match(fp, std::regex("fnv1a64:[0-9a-f]{16}"))) << fp;
  EXPECT_EQ(Checkpoint::open(q8)->fingerprint(), fp);
  // A byte-identical copy elsewhere is the same model.
  TempDir t;
  fs::copy_file(q8, t.path("copy.gguf"));
  EXPECT_EQ(Checkpoint::open(t.path("copy.gguf"))->fingerprint(), fp);
  // A split set from either part.
  EXPECT_EQ(Checkpoint::open(gguf_fixture("gguf-v32-Q2_K-00001-of-00002.gguf"))->fingerprint(),
            Checkpoint::open(gguf_fixture("gguf-v32-Q2_K-00002-of-00002.gguf"))->fingerprint());
}

TEST(Fingerprint, OtherWeightsOrConfigDiffer) {
  std::set<std::string> seen;
  for (const char* f : {"gguf-v32-Q8_0.gguf", "gguf-v32-Q6_K.gguf", "gguf-v32-Q4_K_M.gguf", "gguf-v32-IQ4_XS.gguf",
                        "gguf-v32-IQ2_XXS-mix.gguf", "gguf-v32-IQ1_S-mix.gguf", "gguf-v32-Q2_K-00001-of-00002.gguf"})
    EXPECT_TRUE(seen.insert(Checkpoint::open(gguf_fixture(f))->fingerprint()).second) << f;
  EXPECT_TRUE(seen.insert(Checkpoint::open(data_path("fixtures/tiny-dense"))->fingerprint()).second);
  EXPECT_TRUE(seen.insert(Checkpoint::open(data_path("fixtures/tiny-moe-dsa"))->fingerprint()).second);

  TempDir t;
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  const std::string base = Checkpoint::open(src->path())->fingerprint();
  // Same tensors, one config value changed.
  rewrite_gguf(*src, t.path("scale.gguf"), [](GgufWriter& w) { w.set_f32("deepseek32.expert_weights_scale", 2.0f); });
  EXPECT_NE(Checkpoint::open(t.path("scale.gguf"))->fingerprint(), base);
  // Same metadata, names, dtypes and shapes; another final norm (a fine-tune).
  {
    GgufWriter w(t.path("tuned.gguf"));
    for (const auto& [k, v] : src->metadata()) w.set(k, v);
    for (const auto& n : src->tensor_order()) w.add_tensor(n, src->find(n)->dtype, src->find(n)->shape);
    w.write_header();
    for (const auto& n : src->tensor_order()) {
      const TensorView& v = *src->find(n);
      std::vector<uint8_t> bytes(v.data, v.data + v.nbytes);
      if (n == "output_norm.weight") bytes[0] ^= 1;  // one mantissa bit of the first weight
      w.write_tensor(n, bytes.data(), bytes.size());
    }
    w.finish();
  }
  EXPECT_NE(Checkpoint::open(t.path("tuned.gguf"))->fingerprint(), base);
}

TEST(ConfigJson, ReadsBackToTheSameConfig) {
  for (const std::string& path : {gguf_fixture("config.json"), data_path("deepseek-v3.2-config/config.json"),
                                  data_path("fixtures/tiny-dense/config.json"), data_path("fixtures/tiny-moe-dsa/config.json")}) {
    SCOPED_TRACE(path);
    const ModelConfig c = ModelConfig::from_file(path);
    const std::string text = c.to_json();
    const ModelConfig back = ModelConfig::from_json_text(text, "round trip");
    EXPECT_EQ(back.to_json(), text);
    EXPECT_EQ(back.routed_scaling_factor, c.routed_scaling_factor);
    EXPECT_EQ(back.rope_factor, c.rope_factor);
    EXPECT_EQ(back.fp8, c.fp8);
    EXPECT_EQ(back.scale_fmt, c.scale_fmt);
  }
  const ModelConfig real = ModelConfig::from_file(data_path("deepseek-v3.2-config/config.json"));
  EXPECT_NE(real.to_json().find("\"routed_scaling_factor\":2.5"), std::string::npos) << real.to_json();
  EXPECT_NE(real.to_json().find("\"num_nextn_predict_layers\":1"), std::string::npos);
}

}  // namespace
}  // namespace dseek::test
