// Server limits enforced by the scheduler: --max-queued (QueueFull) and --request-timeout
// ("timeout", queued or running).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "engine/scheduler.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

struct Done {
  std::atomic<int> tokens{0};
  std::atomic<bool> stop{false};
  std::promise<FinishEvent> fin;
};

// A greedy request that runs until max_tokens unless `d.stop` is set (the client leaves).
GenRequest endless(Done& d, int max_tokens = 100000) {
  GenRequest r;
  r.prompt = {0, 100, 200, 300};
  r.opt.max_tokens = max_tokens;
  r.opt.sampling.temperature = 0;
  r.on_token = [&d](const TokenEvent&) {
    ++d.tokens;
    return !d.stop.load();
  };
  r.on_finish = [&d](const FinishEvent& e) { d.fin.set_value(e); };
  return r;
}

void wait_for(const std::function<bool()>& cond) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!cond() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(cond());
}

TEST(SchedulerLimits, MaxQueuedRefusesBeyondTheWaitingLimit) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*model);
  Scheduler sched(*lm, /*parallel=*/1, 0);
  sched.set_max_queued(1);
  Done a, b, c;
  sched.submit(endless(a));
  wait_for([&] { return a.tokens > 0 && sched.metrics().requests_active == 1; });  // a holds the one slot
  sched.submit(endless(b));                                                          // b waits: 1 queued
  try {
    sched.submit(endless(c));
    FAIL() << "a second waiting request was queued past --max-queued 1";
  } catch (const QueueFull& e) {
    EXPECT_NE(std::string(e.what()).find("--max-queued 1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sched.metrics().requests_refused_busy, 1);
  a.stop = true;  // a leaves: b gets the slot, and a new request may wait again
  EXPECT_EQ(a.fin.get_future().get().reason, "cancelled");
  wait_for([&] { return b.tokens > 0; });
  Done d;
  EXPECT_NO_THROW(sched.submit(endless(d, 3)));
  // The queue is full again, but the further choices of an admitted request (n > 1) are not
  // refused: a request is admitted or refused whole.
  Done sib;
  GenRequest rs = endless(sib, 2);
  rs.sibling = true;
  EXPECT_NO_THROW(sched.submit(std::move(rs)));
  EXPECT_EQ(sched.metrics().requests_refused_busy, 1);
  b.stop = true;
  EXPECT_EQ(b.fin.get_future().get().reason, "cancelled");
  EXPECT_EQ(d.fin.get_future().get().reason, "length");
  EXPECT_EQ(sib.fin.get_future().get().reason, "length");
}

TEST(SchedulerLimits, TimeoutEndsRunningAndQueuedRequests) {
  auto model = Model::load(repo_dir() + "/models/nano-agent", Numerics::Exact);
  auto lm = CausalLm::borrow(*model);
  Scheduler sched(*lm, /*parallel=*/1, 0);
  Done a, b;
  GenRequest ra = endless(a), rb = endless(b);
  ra.timeout_s = 0.3;
  rb.timeout_s = 0.2;  // queued behind a the whole time
  const auto t0 = std::chrono::steady_clock::now();
  sched.submit(std::move(ra));
  sched.submit(std::move(rb));
  const FinishEvent fb = b.fin.get_future().get(), fa = a.fin.get_future().get();
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(fb.reason, "timeout");
  EXPECT_EQ(fb.completion_tokens, 0);
  EXPECT_EQ(fa.reason, "timeout");
  EXPECT_GT(fa.completion_tokens, 0);
  EXPECT_NE(fa.error.find("--request-timeout"), std::string::npos) << fa.error;
  EXPECT_NE(fa.error.find("0.3 s"), std::string::npos) << fa.error;
  EXPECT_GE(fa.total_s, 0.3);
  EXPECT_LT(waited, 30.0);  // ended, not run to max_tokens (100000 tokens)
  EXPECT_EQ(sched.metrics().requests_timed_out, 2);
  // Still serving, and a request without a timeout is untouched.
  Done c;
  sched.submit(endless(c, 5));
  EXPECT_EQ(c.fin.get_future().get().reason, "length");
}

}  // namespace
}  // namespace dseek::test
