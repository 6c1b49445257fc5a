// serve --draft: the scheduler's speculative decoding gives, under greedy, the draft 0 tokens
// token for token, with the same logprobs bit for bit, for concurrent requests (verification
// runs batched beside each other and beside prompts), ending at max_tokens, at a stop id
// inside an accepted run, or when the client goes away, exactly where draft 0 ends.
#include <gtest/gtest.h>

#include <fstream>
#include <chrono>
#include <future>
#include <thread>
#include <nlohmann/json.hpp>

#include "engine/scheduler.h"
#include "engine/speculative.h"
#include "runtime/error.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

struct Collected {
  std::vector<int32_t> ids;
  std::vector<float> logprobs;
  std::promise<FinishEvent> done;
  FinishEvent finish;
};

struct Job {
  std::vector<int32_t> prompt;
  int max_tokens;
  std::vector<int32_t> stop_ids;
  int cancel_after = 0;  // > 0: the client goes away after this many tokens
};

// Runs the jobs concurrently on one scheduler; returns what each got. Each prompt is prefilled
// whole in the step that admits it (the chunking, like a prefix-cache hit, changes a prompt's
// arithmetic, and it would depend on when the requests arrive).
std::vector<std::unique_ptr<Collected>> serve(const CausalLm& lm, int draft, const std::vector<Job>& jobs,
                                              SchedulerMetrics* metrics) {
  std::vector<std::unique_ptr<Collected>> got;
  Scheduler sched(lm, 4, 0, 0, /*prefill_chunk=*/4096, 0, draft);
  for (const Job& j : jobs) {
    got.push_back(std::make_unique<Collected>());
    Collected* c = got.back().get();
    GenRequest r;
    r.prompt = j.prompt;
    r.opt.max_tokens = j.max_tokens;
    r.opt.sampling.temperature = 0;
    r.opt.stop_ids = j.stop_ids;
    r.top_logprobs = 0;
    const int cancel_after = j.cancel_after;
    r.on_token = [c, cancel_after](const TokenEvent& e) {
      c->ids.push_back(e.id);
      c->logprobs.push_back(e.logprob);
      return cancel_after == 0 || static_cast<int>(c->ids.size()) < cancel_after;
    };
    r.on_finish = [c](const FinishEvent& e) { c->done.set_value(e); };
    sched.submit(std::move(r));
  }
  for (auto& c : got) c->finish = c->done.get_future().get();
  // The counters of the last step land after its on_finish calls.
  while (sched.metrics().requests_active > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  *metrics = sched.metrics();
  return got;
}

TEST(SchedulerDraft, GreedyEqualsDraftZeroForConcurrentRequests) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*model);
  std::ifstream in(repo_dir() + "/models/nano-agent/samples.jsonl");
  std::vector<std::vector<int32_t>> prompts, want;
  for (std::string line; std::getline(in, line) && prompts.size() < 3;) {
    auto j = nlohmann::json::parse(line);
    prompts.push_back(j["prompt_ids"].get<std::vector<int32_t>>());
    want.push_back(j["greedy_output_ids"].get<std::vector<int32_t>>());
  }
  // 0: to its EOS; 1: cut by max_tokens mid-answer; 2: a stop id from the middle of its answer
  // (the first occurrence ends it); 3: the client leaves after 9 tokens. On this model (seen by
  // instrumenting judge_drafts) 0's EOS and 3's ninth token are accepted drafts with a draft
  // after them, 2's stop id a corrected token; 1's 11th token is the bonus of a run whose
  // drafts draft_budget cut to what max_tokens leaves.
  const int32_t mid_stop = want[2][want[2].size() / 2];
  std::vector<Job> jobs = {{prompts[0], 200, {1}},
                           {prompts[1], 11, {1}},
                           {prompts[2], 200, {1, mid_stop}},
                           {prompts[0], 200, {1}, 9}};
  // The reference: each request alone with draft 0 (alone: no prefix-cache hit either).
  std::vector<std::unique_ptr<Collected>> base;
  SchedulerMetrics m0, m2;
  int64_t base_generated = 0;
  for (const Job& j : jobs) {
    base.push_back(std::move(serve(*lm, 0, {j}, &m0).front()));
    base_generated += m0.generated_tokens_total;
    EXPECT_EQ(m0.draft_tokens_total, 0);
  }
  auto spec = serve(*lm, 2, jobs, &m2);
  ASSERT_EQ(base[0]->ids, want[0]);  // draft 0 is the reference greedy output
  EXPECT_EQ(base[1]->ids, std::vector<int32_t>(want[1].begin(), want[1].begin() + 11));
  EXPECT_EQ(base[2]->ids.back(), mid_stop);
  for (size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(spec[i]->ids, base[i]->ids) << "request " << i;
    EXPECT_EQ(spec[i]->logprobs, base[i]->logprobs) << "request " << i;  // the same logits rows, bit for bit
    EXPECT_EQ(spec[i]->finish.reason, base[i]->finish.reason) << "request " << i;
    EXPECT_EQ(spec[i]->finish.completion_tokens, base[i]->finish.completion_tokens) << "request " << i;
  }
  EXPECT_EQ(spec[0]->finish.reason, "stop");
  EXPECT_EQ(spec[1]->finish.reason, "length");
  EXPECT_EQ(spec[2]->finish.reason, "stop");
  EXPECT_EQ(spec[3]->finish.reason, "cancelled");
  EXPECT_EQ(spec[3]->ids.size(), 9u);
  EXPECT_GT(m2.draft_tokens_total, 0);
  EXPECT_GT(m2.draft_accepted_total, 0);
  EXPECT_LE(m2.draft_accepted_total, m2.draft_tokens_total);
  EXPECT_EQ(m2.generated_tokens_total, base_generated);
  EXPECT_EQ(m2.draft, 2);
}

// A request that runs into the context limit ends where draft 0 ends (drafts never run past it).
TEST(SchedulerDraft, ContextLimitAsDraftZero) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*model);
  std::vector<int32_t> prompt = {0, 100, 200, 300, 400, 500, 600};
  std::vector<std::vector<int32_t>> got;
  for (int draft : {0, 3}) {
    Scheduler sched(*lm, 2, 24, 0, 512, 0, draft);
    std::vector<int32_t> ids;
    std::promise<FinishEvent> done;
    GenRequest r;
    r.prompt = prompt;
    r.opt.max_tokens = 100;
    r.opt.sampling.temperature = 0;
    r.opt.stop_ids = {};
    r.on_token = [&ids](const TokenEvent& e) { return ids.push_back(e.id), true; };
    r.on_finish = [&done](const FinishEvent& e) { done.set_value(e); };
    sched.submit(std::move(r));
    EXPECT_EQ(done.get_future().get().reason, "length");
    got.push_back(ids);
  }
  EXPECT_EQ(got[1], got[0]);
  EXPECT_LE(prompt.size() + got[0].size(), 24u);
}

TEST(SchedulerDraft, RefusesWhatCheckDraftRefuses) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*model);
  try {
    Scheduler sched(*lm, 1, 0, 0, 512, 0, kMaxDraft + 1);
    FAIL() << "draft " << kMaxDraft + 1 << " accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--draft"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Scheduler(*lm, 1, 0, 0, 512, 0, -1), Error);
}

}  // namespace
}  // namespace dseek::test
