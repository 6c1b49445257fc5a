// --kv-budget for DeepSeek-V4 (tiny-v4): the state budget's bound against the real state
// bytes, and the scheduler refusing, queueing, evicting snapshots and failing a sequence that
// outgrows the budget, with outputs equal to runs alone and the accounting back to zero.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "engine/generate.h"
#include "engine/scheduler.h"
#include "engine/state_budget.h"
#include "model/golden.h"
#include "model_v4/config_v4.h"
#include "model_v4/plan_v4.h"
#include "model_v4/state_v4.h"
#include "runtime/error.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

#define TINY_V4_DIR_OR_SKIP(var)               \
  const std::string var = data_path("fixtures-v4/tiny-v4"); \
  if (var.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found"

struct Collected {
  std::vector<int32_t> ids;
  std::promise<FinishEvent> done;
};

GenRequest greedy(const std::vector<int32_t>& prompt, int max_tokens, Collected* c) {
  GenRequest r;
  r.prompt = prompt;
  r.opt.max_tokens = max_tokens;
  r.opt.sampling.temperature = 0;
  r.opt.stop_ids = {-1};  // a random model: run to max_tokens
  r.on_token = [c](const TokenEvent& e) {
    c->ids.push_back(e.id);
    return true;
  };
  r.on_finish = [c](const FinishEvent& e) { c->done.set_value(e); };
  return r;
}

// The same request alone, on a sequence of its own.
std::vector<int32_t> alone(const CausalLm& lm, const std::vector<int32_t>& prompt, int max_tokens) {
  auto seq = lm.new_sequence();
  GenerateOptions o;
  o.max_tokens = max_tokens;
  o.sampling.temperature = 0;
  o.stop_ids = {-1};
  return generate(lm, *seq, prompt, o, [](int32_t) { return true; });
}

std::vector<int32_t> golden_tokens(const std::string& dir, const std::string& name) {
  return as_token_ids(SafetensorsFile::open(dir + "/golden.exact.safetensors")->get(name));
}

// The budget reserves the plan's bytes at the sequence's length: never below what the state
// holds, and above it only by the compressors' unfilled carries (both numerics: fp32 keys, and
// the official numerics' FP4 key records). Clearing gives everything back.
TEST(V4KvBudget, ReservedBytesBoundTheStateTightly) {
  TINY_V4_DIR_OR_SKIP(dir);
  const ConfigV4 c = ConfigV4::from_file(dir + "/config.json");
  const std::vector<int32_t> prompt = golden_tokens(dir, "prompt0.tokens");
  for (const Numerics num : {Numerics::Exact, Numerics::Official}) {
    auto lm = CausalLm::load(dir, num);
    const bool fp4 = num == Numerics::Official;
    const StatePlanV4 plan = state_plan_v4(c);
    // The most the bound exceeds a state by: the carries' rows a fresh state has not filled.
    const int64_t slack = plan.sequence_bytes_at(0, fp4) - static_cast<int64_t>(StateV4::fresh(c, fp4).bytes());
    ASSERT_GT(slack, 0);
    auto budget = lm->new_budget(0);
    auto seq = lm->new_sequence_in(budget);
    size_t at = 0;  // the official numerics to 133 tokens: 33 keys, the third FP4 record begun
    const std::vector<size_t> ends = fp4 ? std::vector<size_t>{37, 128, 133} : std::vector<size_t>{37, 128, 201, 256, 300};
    for (const size_t end : ends) {
      lm->forward(*seq, std::vector<int32_t>(prompt.begin() + at, prompt.begin() + end), false);
      at = end;
      const int64_t n = seq->length(), held = static_cast<int64_t>(seq->bytes());
      EXPECT_EQ(n, static_cast<int64_t>(end));
      EXPECT_EQ(budget->stats().live_bytes, budget->bytes_at(n)) << n;
      EXPECT_LE(held, budget->bytes_at(n)) << n << " fp4=" << fp4;
      EXPECT_LE(budget->bytes_at(n) - held, slack) << n << " fp4=" << fp4;
      // At a multiple of every ratio (4, 128) no carry row is pending: the slack is all there is.
      if (n % 128 == 0) {
        EXPECT_EQ(budget->bytes_at(n) - held, slack) << n << " fp4=" << fp4;
      }
    }
    EXPECT_EQ(budget->bytes_at(300), plan.sequence_bytes_at(300, fp4));
    seq->clear();
    EXPECT_EQ(budget->stats().live_bytes, 0);
    EXPECT_EQ(seq->bytes(), 0u);
    seq->reserve(10);
    EXPECT_EQ(budget->stats().live_bytes, budget->bytes_at(10));
    seq.reset();
    EXPECT_EQ(budget->stats().live_bytes, 0);
  }
}

// A request that can never fit is refused at submit, naming the bytes and --kv-budget; the
// longest one that fits runs; a budget below one token is refused at start.
TEST(V4KvBudget, ARequestBeyondTheBudgetIsRefusedAtSubmit) {
  TINY_V4_DIR_OR_SKIP(dir);
  auto lm = CausalLm::load(dir, Numerics::Exact);
  const std::vector<int32_t> prompt = golden_tokens(dir, "prompt0.tokens");
  const std::vector<int32_t> want = golden_tokens(dir, "prompt0.greedy.tokens");
  const int64_t n = static_cast<int64_t>(prompt.size()), gen = static_cast<int64_t>(want.size());
  auto probe = lm->new_budget(0);
  const int64_t need = probe->bytes_at(n + gen);
  ASSERT_GT(need, probe->bytes_at(n + gen - 1));  // 316 tokens: a ratio-4 entry more than 315
  Scheduler sched(*lm, 2, 0, need - 1);
  const int64_t fits = sched.metrics().kv_budget_tokens;
  EXPECT_EQ(fits, n + gen - 1);
  Collected c;
  try {
    sched.submit(greedy(prompt, static_cast<int>(gen), &c));
    FAIL() << "submitted";
  } catch (const KvCacheFull& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("request needs " + std::to_string(need) + " bytes"), std::string::npos) << m;
    EXPECT_NE(m.find("--kv-budget holds " + std::to_string(need - 1) + " bytes"), std::string::npos) << m;
    EXPECT_NE(m.find("raise --kv-budget"), std::string::npos) << m;
  }
  EXPECT_EQ(sched.metrics().requests_total, 0);
  sched.submit(greedy(prompt, static_cast<int>(fits - n), &c));
  EXPECT_EQ(c.done.get_future().get().reason, "length");
  EXPECT_EQ(c.ids, std::vector<int32_t>(want.begin(), want.begin() + (fits - n)));
  EXPECT_EQ(sched.budget()->stats().live_bytes, 0);
  try {
    Scheduler tiny(*lm, 1, 0, probe->bytes_at(1) - 1);
    FAIL() << "started";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--kv-budget"), std::string::npos) << e.what();
  }
}

// A budget for one request at a time: the second waits in the queue until the first ends, and
// both give the oracle's greedy tokens.
TEST(V4KvBudget, ASecondRequestWaitsForTheFirstAndGivesTheSameTokens) {
  TINY_V4_DIR_OR_SKIP(dir);
  auto lm = CausalLm::load(dir, Numerics::Exact);
  std::vector<std::vector<int32_t>> prompts, want;
  for (const std::string p : {"prompt0", "prompt1"}) {
    prompts.push_back(golden_tokens(dir, p + ".tokens"));
    want.push_back(golden_tokens(dir, p + ".greedy.tokens"));
  }
  auto probe = lm->new_budget(0);
  const int64_t budget = std::max(probe->bytes_at(int64_t(prompts[0].size() + want[0].size())),
                                  probe->bytes_at(int64_t(prompts[1].size() + want[1].size())));
  ASSERT_GT(2 * probe->bytes_at(int64_t(prompts[0].size()) + 1), budget);  // never two at once
  Scheduler sched(*lm, 2, 0, budget, /*prefill_chunk=*/64);
  Collected a, b;
  std::atomic<bool> a_done{false}, b_started_early{false};
  GenRequest ra = greedy(prompts[0], static_cast<int>(want[0].size()), &a);
  ra.on_finish = [&](const FinishEvent& e) {
    a_done = true;
    a.done.set_value(e);
  };
  GenRequest rb = greedy(prompts[1], static_cast<int>(want[1].size()), &b);
  rb.on_token = [&](const TokenEvent& e) {
    if (!a_done) b_started_early = true;
    b.ids.push_back(e.id);
    return true;
  };
  sched.submit(std::move(ra));
  sched.submit(std::move(rb));
  const FinishEvent ea = a.done.get_future().get(), eb = b.done.get_future().get();
  EXPECT_EQ(ea.reason, "length");
  EXPECT_EQ(eb.reason, "length");
  EXPECT_FALSE(b_started_early);
  EXPECT_EQ(a.ids, want[0]);
  EXPECT_EQ(b.ids, want[1]);
  const StateBudgetStats s = sched.budget()->stats();
  EXPECT_EQ(s.live_bytes, 0);
  EXPECT_EQ(s.capacity_bytes, budget);
  EXPECT_LE(s.cached_bytes, budget);
}

// A prefix snapshot held in the budget is evicted when a live sequence needs its bytes; the
// long request is not refused and gives what it gives alone.
TEST(V4KvBudget, SnapshotsAreEvictedForALiveSequence) {
  TINY_V4_DIR_OR_SKIP(dir);
  auto lm = CausalLm::load(dir, Numerics::Exact);
  const std::vector<int32_t> p0 = golden_tokens(dir, "prompt0.tokens"), p1 = golden_tokens(dir, "prompt1.tokens");
  const std::vector<int32_t> short_prompt(p0.begin(), p0.begin() + 20);
  std::vector<int32_t> long_prompt = p1;  // 1120 tokens, not starting like the short one
  long_prompt.insert(long_prompt.end(), p0.begin(), p0.end());
  long_prompt.insert(long_prompt.end(), p0.begin(), p0.end());
  const int gen = 6;
  auto probe = lm->new_budget(0);
  const int64_t budget = probe->bytes_at(int64_t(long_prompt.size()) + gen);
  Scheduler sched(*lm, 1, 0, budget, /*prefill_chunk=*/512);

  Collected a;
  sched.submit(greedy(short_prompt, 2, &a));
  EXPECT_EQ(a.done.get_future().get().reason, "length");
  const StateBudgetStats after_a = sched.budget()->stats();
  EXPECT_EQ(after_a.live_bytes, 0);
  EXPECT_GT(after_a.cached_bytes, 0);  // the short prompt's snapshot
  EXPECT_LE(after_a.cached_bytes, probe->bytes_at(20));
  EXPECT_EQ(after_a.evictions, 0);
  ASSERT_GT(after_a.cached_bytes + probe->bytes_at(int64_t(long_prompt.size()) + 1), budget);  // it must go

  Collected b;
  sched.submit(greedy(long_prompt, gen, &b));
  const FinishEvent eb = b.done.get_future().get();
  EXPECT_EQ(eb.reason, "length") << eb.error;
  EXPECT_EQ(eb.cached_tokens, 0);
  EXPECT_EQ(b.ids, alone(*lm, long_prompt, gen));
  const StateBudgetStats s = sched.budget()->stats();
  EXPECT_EQ(s.evictions, 1);
  EXPECT_EQ(s.live_bytes, 0);
  EXPECT_EQ(s.cached_bytes, 0);  // the long prompt's own snapshot did not fit beside it
}

// Two sequences admitted together that outgrow the budget: one ends with V3's "KV cache full"
// error, the other finishes with the tokens it gives alone.
TEST(V4KvBudget, ASequenceThatOutgrowsTheBudgetEndsWithAnError) {
  TINY_V4_DIR_OR_SKIP(dir);
  auto lm = CausalLm::load(dir, Numerics::Exact);
  const std::vector<int32_t> p0 = golden_tokens(dir, "prompt0.tokens"), p1 = golden_tokens(dir, "prompt1.tokens");
  const std::vector<std::vector<int32_t>> prompts = {{p0.begin(), p0.begin() + 40}, {p1.begin(), p1.begin() + 40}};
  const int gen = 64;
  auto probe = lm->new_budget(0);
  const int64_t budget = 2 * probe->bytes_at(41) + 1000;  // both prompts, then not much growth
  ASSERT_LE(probe->bytes_at(40 + gen), budget);         // each alone fits
  Scheduler sched(*lm, 2, 0, budget);
  Collected c[2];
  for (int i = 0; i < 2; ++i) sched.submit(greedy(prompts[i], gen, &c[i]));
  const FinishEvent e[2] = {c[0].done.get_future().get(), c[1].done.get_future().get()};
  const int failed = e[0].reason == "error" ? 0 : 1, ok = 1 - failed;
  EXPECT_EQ(e[failed].reason, "error");
  EXPECT_EQ(e[failed].error.rfind("KV cache full: ", 0), 0u) << e[failed].error;
  EXPECT_NE(e[failed].error.find("(raise --kv-budget)"), std::string::npos) << e[failed].error;
  EXPECT_LT(e[failed].completion_tokens, gen);
  EXPECT_EQ(e[ok].reason, "length");
  EXPECT_EQ(c[ok].ids, alone(*lm, prompts[ok], gen));
  EXPECT_EQ(sched.budget()->stats().live_bytes, 0);
}

}  // namespace
}  // namespace dseek::test
