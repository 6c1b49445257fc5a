// Continuous batching: requests decoded together give exactly the tokens they give alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>

#include "engine/scheduler.h"
#include "model/golden.h"
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

// Fair scheduling: while a long prompt is fed chunk by chunk, a running sequence gets a token
// every step and a short request submitted behind the long one gets its first token within a
// couple of steps — not after the long prompt (which would take ~40 steps here).
TEST(Scheduler, ShortRequestStartsWhileALongPromptPrefills) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*model);
  Scheduler sched(*lm, 4, 0, 0, /*prefill_chunk=*/16);
  std::mutex mu;
  std::vector<char> events;  // 'A': a token of the running sequence, 'L' / 'S': first tokens
  std::promise<void> a_running;
  bool a_signalled = false;
  Collected a, l, s;
  GenRequest ra = make({0, 100, 200}, 400, &a);
  ra.opt.stop_ids = {};
  ra.on_token = [&](const TokenEvent&) {
    std::lock_guard<std::mutex> g(mu);
    events.push_back('A');
    if (!a_signalled) a_running.set_value(), a_signalled = true;
    return events.end() == std::find(events.begin(), events.end(), 'L');  // until the long one starts
  };
  sched.submit(std::move(ra));
  a_running.get_future().wait();
  std::vector<int32_t> long_prompt(640);
  for (size_t i = 0; i < long_prompt.size(); ++i) long_prompt[i] = static_cast<int32_t>(1000 + (i * 37) % 5000);
  auto first = [&](char tag, Collected* c) {
    return [&mu, &events, tag, c](const TokenEvent& e) {
      std::lock_guard<std::mutex> g(mu);
      if (c->ids.empty()) events.push_back(tag);
      c->ids.push_back(e.id);
      return true;
    };
  };
  GenRequest rl = make(long_prompt, 1, &l);
  rl.on_token = first('L', &l);
  GenRequest rs = make({0, 7, 8, 9}, 1, &s);
  rs.on_token = first('S', &s);
  size_t a_before;
  {
    std::lock_guard<std::mutex> g(mu);
    a_before = events.size();
  }
  sched.submit(std::move(rl));
  sched.submit(std::move(rs));
  l.done.get_future().get();
  s.done.get_future().get();
  a.done.get_future().get();
  std::lock_guard<std::mutex> g(mu);
  const auto at = [&](char tag) { return std::find(events.begin(), events.end(), tag) - events.begin(); };
  ASSERT_LT(at('S'), at('L'));
  // Steps are counted by the running sequence's tokens (one a step).
  const auto a_tokens = [&](ptrdiff_t from, ptrdiff_t to) { return std::count(events.begin() + from, events.begin() + to, 'A'); };
  EXPECT_LE(a_tokens(static_cast<ptrdiff_t>(a_before), at('S')), 3) << "the short request waited for the long prompt";
  // 640 prompt tokens at 16 a step: ~40 steps, and the running sequence decoded in each.
  EXPECT_GE(a_tokens(static_cast<ptrdiff_t>(a_before), at('L')), 640 / 16 - 2);
}

// A time budget a step (prefill_step_s): once a step has prefilled, the next steps take as many
// prompt tokens as fit the budget (here a nanosecond: the minimum, kMinPrefillTokens), so a
// 512-token chunk is fed in ~32 steps, a running sequence decoding in each; the tokens are the
// ones the same prompt gives without the budget.
TEST(Scheduler, PrefillTimeBudgetCutsTheChunk) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*model);
  std::vector<int32_t> long_prompt(512);
  for (size_t i = 0; i < long_prompt.size(); ++i) long_prompt[i] = static_cast<int32_t>(1000 + (i * 37) % 5000);
  auto run = [&](double step_s, int64_t* a_tokens_during) {
    Scheduler sched(*lm, 4, 0, 0, /*prefill_chunk=*/512, step_s);
    std::mutex mu;
    int64_t a_count = 0;
    bool long_started = false;
    std::promise<void> a_running;
    Collected a, l;
    GenRequest ra = make({0, 100, 200}, 2000, &a);
    ra.opt.stop_ids = {};
    ra.on_token = [&](const TokenEvent&) {
      std::lock_guard<std::mutex> g(mu);
      if (++a_count == 1) a_running.set_value();
      return !long_started;
    };
    sched.submit(std::move(ra));
    a_running.get_future().wait();
    int64_t a_before;
    {
      std::lock_guard<std::mutex> g(mu);
      a_before = a_count;
    }
    GenRequest rl = make(long_prompt, 4, &l);
    rl.on_token = [&](const TokenEvent& e) {
      std::lock_guard<std::mutex> g(mu);
      if (l.ids.empty()) *a_tokens_during = a_count - a_before, long_started = true;
      l.ids.push_back(e.id);
      return true;
    };
    sched.submit(std::move(rl));
    l.done.get_future().get();
    a.done.get_future().get();
    return l.ids;
  };
  int64_t steps_chunk = 0, steps_budget = 0;
  const auto plain = run(0, &steps_chunk);
  const auto budgeted = run(1e-9, &steps_budget);
  EXPECT_EQ(budgeted, plain);
  EXPECT_LE(steps_chunk, 2);  // the whole prompt in one step
  EXPECT_GE(steps_budget, 512 / Scheduler::kMinPrefillTokens - 2);
}

}  // namespace
}  // namespace dseek::test

namespace dseek::test {
namespace {

// DeepSeek-V4 through the continuous-batching scheduler: the two tiny-v4 prompts, submitted
// together with a small prefill chunk (so prompts are split across steps and batched with the
// other's decode steps), give the oracle's greedy continuations, as each does alone.
TEST(Scheduler, V4BatchedEqualsTheOracle) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  auto lm = CausalLm::load(dir, Numerics::Exact);
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  Scheduler sched(*lm, 2, 0, 0, /*prefill_chunk=*/37);
  std::vector<std::unique_ptr<Collected>> got;
  std::vector<std::vector<int32_t>> want;
  for (const std::string p : {"prompt0", "prompt1"}) {
    const std::vector<int32_t> prompt = as_token_ids(golden->get(p + ".tokens"));
    const std::vector<int32_t> w = as_token_ids(golden->get(p + ".greedy.tokens"));
    want.push_back(w);
    got.push_back(std::make_unique<Collected>());
    GenRequest r = make(prompt, static_cast<int>(w.size()), got.back().get());
    r.opt.stop_ids = {-1};
    sched.submit(std::move(r));
  }
  for (size_t i = 0; i < got.size(); ++i) {
    FinishEvent e = got[i]->done.get_future().get();
    EXPECT_EQ(got[i]->ids, want[i]) << "prompt " << i;
    EXPECT_EQ(e.reason, "length");
  }
}

}  // namespace
}  // namespace dseek::test

namespace dseek::test {
namespace {

// DeepSeek-V4 prefix reuse in the scheduler: a request whose prompt extends an earlier one's
// starts from the snapshot of that prompt's state (cached_tokens) and continues exactly as a
// cold run (the oracle's greedy tokens).
TEST(Scheduler, V4ReusedPrefixContinuesLikeAColdRun) {
  const std::string dir = data_path("fixtures-v4/tiny-v4");
  if (dir.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  auto lm = CausalLm::load(dir, Numerics::Exact);
  auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
  const std::vector<int32_t> prompt = as_token_ids(golden->get("prompt0.tokens"));
  const std::vector<int32_t> want = as_token_ids(golden->get("prompt0.greedy.tokens"));
  Scheduler sched(*lm, 1, 0, 0, /*prefill_chunk=*/64);
  auto run = [&](const std::vector<int32_t>& p, int max_tokens, std::vector<int32_t>* ids) {
    Collected c;
    GenRequest r = make(p, max_tokens, &c);
    r.opt.stop_ids = {-1};
    sched.submit(std::move(r));
    FinishEvent e = c.done.get_future().get();
    *ids = c.ids;
    return e;
  };
  std::vector<int32_t> ids;
  const std::vector<int32_t> head(prompt.begin(), prompt.begin() + 203);  // not a block boundary
  FinishEvent first = run(head, 3, &ids);
  EXPECT_EQ(first.cached_tokens, 0);
  FinishEvent second = run(prompt, static_cast<int>(want.size()), &ids);
  EXPECT_EQ(second.cached_tokens, 203);
  EXPECT_EQ(ids, want);
  FinishEvent third = run(prompt, static_cast<int>(want.size()), &ids);  // its own snapshot is not a proper prefix
  EXPECT_EQ(third.cached_tokens, 203);
  EXPECT_EQ(ids, want);
}

}  // namespace
}  // namespace dseek::test
