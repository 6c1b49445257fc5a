// Continuous batching: requests decoded together give exactly the tokens they give alone.
#include <gtest/gtest.h>

#include <condition_variable>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "engine/scheduler.h"
#include "runtime/error.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

struct Collected {
  std::vector<int32_t> ids;
  std::promise<FinishEvent> done;
};

GenRequest make(const std::vector<int32_t>& prompt, int max_tokens, Collected* c) {
  GenRequest r;
  r.prompt = prompt;
  r.opt.max_tokens = max_tokens;
  r.opt.sampling.temperature = 0;
  r.opt.stop_ids = {1};
  r.on_token = [c](const TokenEvent& e) {
    c->ids.push_back(e.id);
    return true;
  };
  r.on_finish = [c](const FinishEvent& e) { c->done.set_value(e); };
  return r;
}

TEST(Scheduler, BatchedEqualsAloneOnTheBuiltInSamples) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  std::ifstream in(repo_dir() + "/models/nano-agent/samples.jsonl");
  std::vector<std::vector<int32_t>> prompts, want;
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    prompts.push_back(j["prompt_ids"].get<std::vector<int32_t>>());
    want.push_back(j["greedy_output_ids"].get<std::vector<int32_t>>());
  }
  auto lm = CausalLm::borrow(*model);
  Scheduler sched(*lm, 4, 0);
  std::vector<std::unique_ptr<Collected>> got;
  for (auto& p : prompts) {
    got.push_back(std::make_unique<Collected>());
    sched.submit(make(p, 160, got.back().get()));
  }
  for (size_t i = 0; i < prompts.size(); ++i) {
    FinishEvent e = got[i]->done.get_future().get();
    EXPECT_EQ(got[i]->ids, want[i]) << "sample " << i;
    EXPECT_EQ(e.reason, want[i].back() == 1 ? "stop" : "length");
    EXPECT_EQ(e.completion_tokens, static_cast<int64_t>(want[i].size()));
  }
  SchedulerMetrics m = sched.metrics();
  EXPECT_EQ(m.requests_total, 10);
  EXPECT_EQ(m.queue_depth, 0);
}

TEST(Scheduler, CancelAndErrors) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*model);
  Scheduler sched(*lm, 1, 64);
  Collected a, b;
  GenRequest ra = make({0, 100, 200}, 50, &a);
  ra.on_token = [&a](const TokenEvent& e) {
    a.ids.push_back(e.id);
    return a.ids.size() < 3;  // the client goes away after 3 tokens
  };
  sched.submit(std::move(ra));
  uint64_t idb = sched.submit(make({0, 5, 6}, 50, &b));
  sched.cancel(idb);
  EXPECT_EQ(a.done.get_future().get().reason, "cancelled");
  EXPECT_EQ(a.ids.size(), 3u);
  EXPECT_EQ(b.done.get_future().get().reason, "cancelled");
  EXPECT_THROW(sched.submit(make(std::vector<int32_t>(64, 5), 5, &b)), Error);  // does not fit ctx 64
  EXPECT_THROW(sched.submit(make({}, 5, &b)), Error);
  // Still serving: a request that runs into the context limit ends with "length".
  Collected c;
  sched.submit(make(std::vector<int32_t>(60, 5), 50, &c));
  FinishEvent e = c.done.get_future().get();
  EXPECT_EQ(e.reason, "length");
  EXPECT_LE(60 + e.completion_tokens, 64);
}

}  // namespace
}  // namespace dseek::test
