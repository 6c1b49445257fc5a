// The built-in model's held-out samples (models/nano-agent/samples.jsonl): greedy outputs
// from the independent reference (exact numerics), token for token.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/generate.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

TEST(NanoAgentSamples, GreedyOutputsIdentical) {
  const std::string dir = repo_dir() + "/models/nano-agent";
  auto model = Model::load(dir, Numerics::Exact);
  std::ifstream in(dir + "/samples.jsonl");
  ASSERT_TRUE(in) << "samples.jsonl missing";
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json s = nlohmann::json::parse(line);
    std::vector<int32_t> prompt = s["prompt_ids"].get<std::vector<int32_t>>();
    std::vector<int32_t> want = s["greedy_output_ids"].get<std::vector<int32_t>>();
    GenerateOptions opt;
    opt.max_tokens = 160;
    opt.sampling.temperature = 0;
    opt.stop_ids = {model->config().eos_token_id};
    SequenceCache cache = model->new_cache();
    std::vector<int32_t> got = generate(*model, cache, prompt, opt, [](int32_t) { return true; });
    EXPECT_EQ(got, want) << "sample " << s["test_index"] << " (" << s["category"] << ")";
    ++n;
  }
  EXPECT_EQ(n, 10);
}

}  // namespace
}  // namespace dseek::test
