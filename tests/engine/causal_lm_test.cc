// CausalLm picks the model by the checkpoint: DeepSeek-V4 (fixtures-v4/tiny-v4) generates the
// oracle's greedy continuation through the engine's generate(), and its sequences keep or drop
// their state as LmSequence::truncate promises.
#include <gtest/gtest.h>

#include "engine/causal_lm.h"
#include "engine/generate.h"
#include "engine/local_engine.h"

#include <unistd.h>

#include <filesystem>
#include "model/golden.h"
#include "test_paths.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

std::vector<int32_t> prompt_tokens(const SafetensorsFile& g, const std::string& p) {
  return as_token_ids(g.get(p + ".tokens"));
}

TEST(CausalLmV4, GreedyGenerationEqualsTheOracle) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  EXPECT_TRUE(is_v4_checkpoint(dir));
  auto lm = CausalLm::load(dir, Numerics::Exact);
  EXPECT_EQ(lm->info().model_type, "deepseek_v4");
  EXPECT_EQ(lm->info().chat_format, "v4");
  EXPECT_EQ(lm->v3(), nullptr);
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  for (const std::string p : {"prompt0", "prompt1"}) {
    const std::vector<int32_t> prompt = prompt_tokens(*golden, p);
    const std::vector<int64_t> want = as_i64(golden->get(p + ".greedy.tokens"));
    GenerateOptions opt;
    opt.max_tokens = static_cast<int>(want.size());
    opt.sampling.temperature = 0;
    opt.stop_ids = {-1};
    auto seq = lm->new_sequence();
    GenerateStats st;
    const std::vector<int32_t> got = generate(*lm, *seq, prompt, opt, [](int32_t) { return true; }, &st);
    EXPECT_EQ(std::vector<int64_t>(got.begin(), got.end()), want) << p;
    EXPECT_EQ(seq->length(), static_cast<int64_t>(prompt.size() + want.size() - 1));
    EXPECT_EQ(seq->tokens().size(), static_cast<size_t>(seq->length()));
    EXPECT_GT(seq->bytes(), 0u);
  }
}

TEST(CausalLmV4, TruncateKeepsTheWholeSequenceOrStartsOver) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  auto lm = CausalLm::load(dir, Numerics::Exact);
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  const std::vector<int32_t> prompt = prompt_tokens(*golden, "prompt0");
  const std::vector<float> want = as_f32(golden->get("prompt0.prefill.logits"));
  const int64_t V = lm->info().vocab_size, T = static_cast<int64_t>(prompt.size());
  auto seq = lm->new_sequence();
  lm->forward(*seq, std::vector<int32_t>(prompt.begin(), prompt.begin() + 100), false);
  EXPECT_EQ(seq->truncate(100), 100);  // the whole sequence: kept
  std::vector<float> rest = lm->forward(*seq, std::vector<int32_t>(prompt.begin() + 100, prompt.end()), true);
  EXPECT_LE(max_abs_diff(rest.data(), want.data() + 100 * V, (T - 100) * V), 1e-3f);
  EXPECT_EQ(seq->truncate(50), 0);  // a V4 state cannot be rolled back: it starts over
  EXPECT_EQ(seq->length(), 0);
  std::vector<float> again = lm->forward(*seq, prompt, true);
  EXPECT_LE(max_abs_diff(again.data(), want.data(), T * V), 1e-3f);
}

TEST(CausalLmV4, Int8NumericsAreRefusedByName) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  try {
    CausalLm::load(dir, Numerics::Int8);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("int8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dseek::test

namespace dseek::test {
namespace {

// A tokenizer.json of another model beside a checkpoint is named before any prompt runs.
TEST(CausalLmV4, TokenizerOfAnotherModelIsNamed) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  namespace fs = std::filesystem;
  const fs::path tmp = fs::temp_directory_path() / ("dseek-v4-tok-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() != ".safetensors" || e.path().filename().string().rfind("model", 0) == 0)
      fs::copy(e.path(), tmp / e.path().filename());
  fs::copy(fs::path(repo_dir()) / "models/nano-agent/tokenizer.json", tmp / "tokenizer.json");  // 129,280 ids
  try {
    LocalEngine e(tmp.string(), Numerics::Exact);
    ADD_FAILURE() << "accepted a 129280-token tokenizer for a 512-token model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocab_size) is 512"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(tmp.string()), std::string::npos) << e.what();
  }
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace dseek::test
