// model_type deepseek_v3 (DeepSeek-V3 / V3.1): the same model without the DSA indexer.
// tiny-dense attends densely (index_topk exceeds every prompt), so the same weights loaded
// as deepseek_v3 must reproduce its exact goldens while ignoring the indexer tensors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "golden.h"
#include "model/model.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

TEST(DeepseekV3, DenseModelWithoutIndexerMatchesGolden) {
  const std::string src = data_path("fixtures/tiny-dense");
  fs::path dir = fs::temp_directory_path() / ("dseek_v3_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  nlohmann::ordered_json c = nlohmann::ordered_json::parse(std::ifstream(src + "/config.json"));
  c["model_type"] = "deepseek_v3";
  for (const char* k : {"index_n_heads", "index_head_dim", "index_topk"}) c.erase(k);
  std::ofstream(dir / "config.json") << c.dump(2);
  fs::remove(dir / "model.safetensors");
  fs::create_symlink(fs::absolute(src + "/model.safetensors"), dir / "model.safetensors");

  auto model = Model::load(dir.string(), Numerics::Exact);
  EXPECT_FALSE(model->config().has_indexer);
  auto golden = SafetensorsFile::open(src + "/golden.exact.safetensors");
  std::vector<int32_t> toks;
  for (int64_t t : as_i64(golden->get("prompt0.tokens"))) toks.push_back(static_cast<int32_t>(t));
  SequenceCache cache = model->new_cache();
  ForwardResult r = model->forward(Batch{toks, std::vector<int32_t>(toks.size(), 0)}, {&cache}, true);
  std::vector<float> want = as_f32(golden->get("prompt0.prefill.logits"));
  EXPECT_LE(max_abs_diff(r.logits.data(), want.data(), want.size()), 1e-3f);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dseek::test
