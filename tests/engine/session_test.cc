// Save/restore of a sequence's KV cache: a restored conversation continues identically.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/generate.h"
#include "model/kv_session.h"
#include "runtime/error.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

TEST(KvCache, SaveRestoreContinuesIdentically) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  std::ifstream in(repo_dir() + "/models/nano-agent/samples.jsonl");
  std::string line;
  std::getline(in, line);
  std::vector<int32_t> prompt = nlohmann::json::parse(line)["prompt_ids"].get<std::vector<int32_t>>();
  GenerateOptions opt;
  opt.max_tokens = 30;
  opt.sampling.temperature = 0;
  SequenceCache full = model->new_cache();
  std::vector<int32_t> want = generate(*model, full, prompt, opt, [](int32_t) { return true; });

  opt.max_tokens = 10;
  SequenceCache first = model->new_cache();
  std::vector<int32_t> head = generate(*model, first, prompt, opt, [](int32_t) { return true; });
  // The cache holds the prompt and the first 9 generated tokens (the 10th was not fed back).
  const std::string path = (std::filesystem::temp_directory_path() / "dseek_session_test.safetensors").string();
  save_sequence_cache(path, first, "hello");
  std::string meta;
  SequenceCache restored = load_sequence_cache(path, model->new_pool(0), &meta);
  EXPECT_EQ(meta, "hello");
  EXPECT_EQ(restored.length, first.length);
  EXPECT_EQ(restored.tokens, first.tokens);
  opt.max_tokens = 20;
  std::vector<int32_t> cont = generate(*model, restored, {head.back()}, opt, [](int32_t) { return true; });
  head.insert(head.end(), cont.begin(), cont.end());
  EXPECT_EQ(head, want);
  std::filesystem::remove(path);
}

TEST(KvCache, RestoreRejectsAnotherModelsSession) {
  auto nano = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto other = Model::load(data_path("fixtures/tiny-dense"), Numerics::Exact);
  SequenceCache c = nano->new_cache();
  nano->forward(Batch{{0, 5, 6}, {0, 0, 0}}, {&c}, false);
  const std::string path = (std::filesystem::temp_directory_path() / "dseek_session_other.safetensors").string();
  save_sequence_cache(path, c, "");
  EXPECT_THROW(load_sequence_cache(path, other->new_pool(0), nullptr), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dseek::test
