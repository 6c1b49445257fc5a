// Continuous-batching scheduler: up to `parallel` sequences share one CausalLm::forward_batch
// call per step (V3: one batched Model::forward; V4: one forward a sequence). A new request joins at the next step (its whole prompt prefilled in that step), a
// finished or cancelled one leaves at once and frees its slot; more requests than slots wait
// in a FIFO queue. Each sequence's arithmetic is independent of its batch-mates, so a request
// gets the same tokens (greedy) alone or batched.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/causal_lm.h"
#include "engine/generate.h"
#include "engine/state_budget.h"
#include "model/model.h"

namespace dseek {

struct TokenEvent {
  int32_t id = 0;
  // log p(id) under the model's own distribution (before penalties, logit bias and
  // temperature), when logprobs were asked for.
  float logprob = 0;
  std::vector<std::pair<int32_t, float>> top;         // top_logprobs alternatives
};

struct FinishEvent {
  // "stop" (a stop id), "length" (max_tokens / context), "cancelled", "error", "timeout"
  // (GenRequest::timeout_s passed; `error` says so)
  std::string reason;
  std::string error;   // message when reason == "error"
  int64_t prompt_tokens = 0, completion_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens taken from the prefix cache (not prefilled)
  double queue_s = 0, ttft_s = 0, total_s = 0;  // waiting, submit -> first token, submit -> end
};

struct GenRequest {
  std::vector<int32_t> prompt;
  GenerateOptions opt;
  int top_logprobs = -1;  // -1: no logprobs; 0..20: logprob of the token and this many alternatives
  // > 0: seconds from submit after which the request finishes with "timeout", queued or running
  // (checked between steps, so a step in flight finishes first).
  double timeout_s = 0;
  // A further choice (n > 1) of a request whose first choice was admitted: it does not count
  // against --max-queued (a request is refused or admitted whole).
  bool sibling = false;
  // Called on the scheduler thread for each sampled token; return false to stop (cancel).
  std::function<bool(const TokenEvent&)> on_token;
  // Called exactly once, on the scheduler thread (or in cancel/shutdown paths).
  std::function<void(const FinishEvent&)> on_finish;
};

struct SchedulerMetrics {
  int64_t requests_total = 0, requests_active = 0, queue_depth = 0;
  int64_t requests_timed_out = 0, requests_refused_busy = 0;  // timeout_s passed; QueueFull
  int64_t prompt_tokens_total = 0, generated_tokens_total = 0;
  double prefill_seconds_total = 0, decode_seconds_total = 0;
  int64_t prefill_tokens_total = 0, decode_tokens_total = 0;
  int64_t kv_cache_bytes = 0, kv_cache_tokens = 0;
  int64_t kv_blocks_used = 0, kv_blocks_capacity = -1, kv_block_tokens = 0;
  int64_t prefix_cached_tokens_total = 0, prefix_lookups = 0, prefix_hits = 0, kv_evictions = 0;
  // Speculative decoding (--draft): tokens the MTP layer drafted, and those the main model
  // accepted (<= drafted; each verification also emits one corrected or bonus token).
  int64_t draft_tokens_total = 0, draft_accepted_total = 0;
  int draft = 0;
  // The most tokens one sequence can hold under --kv-budget (-1: unbounded): V3's blocks x
  // block tokens, V4's largest length whose state fits the budget.
  int64_t kv_budget_tokens = -1;
  // Whole-state models (V4): --kv-budget in bytes (-1: unbounded), the bytes live sequences
  // have reserved and the bytes of the prefix snapshots (kv_evictions: snapshots evicted).
  int64_t state_budget_bytes = -1, state_reserved_bytes = 0, state_cached_bytes = 0;
  int parallel = 0;
};

// submit() when --max-queued requests already wait for a slot (the server answers 503).
class QueueFull : public Error {
 public:
  using Error::Error;
};

class Scheduler {
 public:
  // ctx_size: the most tokens (prompt + generated) a sequence may hold; <= 0: the model's
  // max_position_embeddings. kv_budget_bytes: memory of the sequences' caches (<= 0:
  // unbounded) — V3: the shared paged KV pool; V4: a StateBudget (engine/state_budget.h) the
  // sequences' whole states and the prefix snapshots share, each sequence reserving its state's
  // bytes as it grows (throws dseek::Error when one sequence's first token does not fit).
  // prefill_chunk: prompt tokens prefilled per step (long prompts are split so other sequences
  // keep decoding). Either way a request is admitted when its prompt fits now (else it waits for
  // running ones to finish) and a sequence that outgrows the budget finishes with "error".
  // prefill_step_s > 0: a time budget a step as well — the prompt tokens of a step are cut so
  // the step should take about that long, from the seconds a prompt token cost in the last
  // step that prefilled (a token costs more as its context grows), never fewer than
  // kMinPrefillTokens; 0: prefill_chunk alone bounds a step.
  // draft > 0: speculative decoding with the checkpoint's MTP layer (engine/speculative.h;
  // check_draft's errors for V4, no MTP layer or out of 1..kMaxDraft): after each verified
  // step a decoding sequence drafts `draft` tokens, and the next step verifies its pending
  // token and the drafts as one run of draft + 1 rows beside the other sequences' runs. Greedy
  // output is the draft 0 output token for token; sampled output has the same distribution.
  // Prompts are then prefilled whole: the MTP layer needs the main model's hidden state at
  // every prompt position, which a prefix-cache hit does not have (no prefix reuse).
  Scheduler(const CausalLm& lm, int parallel, int64_t ctx_size, int64_t kv_budget_bytes = 0, int prefill_chunk = 512,
            double prefill_step_s = 0, int draft = 0);
  static constexpr int64_t kMinPrefillTokens = 16;
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a request; returns its id. Throws dseek::Error for an empty prompt, one that
  // does not fit the context, or KvCacheFull when prompt + max_tokens can never fit the KV
  // cache budget (V3: its blocks; V4: the state's bytes at that length; nothing is queued then).
  // Throws QueueFull when set_max_queued's limit of waiting requests is reached.
  uint64_t submit(GenRequest req);
  // The most requests that may wait for a slot (free slots not counted); <= 0: unbounded.
  void set_max_queued(int64_t n);
  // Cancels a queued or running request (its on_finish gets "cancelled"). Safe from any thread.
  void cancel(uint64_t id);
  SchedulerMetrics metrics() const;
  int64_t ctx_size() const { return ctx_size_; }
  // The shared paged KV pool (V3), or null when sequences keep their own state (V4).
  const KvPool* pool() const { return pool_.get(); }
  // The state budget of whole-state sequences (V4), or null for V3.
  const StateBudget* budget() const { return budget_.get(); }
  const CausalLm& lm() const { return lm_; }

 private:
  struct Seq;
  void loop();
  void step(std::vector<std::unique_ptr<Seq>>& active);
  // Emits a sampled token of `s` (logits: its row, for logprobs) and finishes the sequence when
  // it ends there (stop id, constraint done, max_tokens, context, client gone); true then.
  bool emit(Seq& s, const float* logits, int32_t id, int64_t held);
  // --draft: the MTP entries of what the last step verified, and the next drafts.
  void draft(const std::vector<Seq*>& seqs);
  void finish(Seq& s, const std::string& reason, const std::string& error = {});
  // Finishes queued and running sequences whose timeout_s has passed (under mu_).
  void expire(std::vector<std::unique_ptr<Seq>>& active);

  const CausalLm& lm_;
  const int parallel_;
  int64_t ctx_size_;
  int prefill_chunk_;
  int draft_ = 0;
  double prefill_step_s_;
  double prefill_token_s_ = 0;
  int64_t max_queued_ = 0;      // under mu_  // seconds a prompt token cost in the last step that prefilled (loop thread)
  std::shared_ptr<KvPool> pool_;
  std::shared_ptr<StateBudget> budget_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Seq>> queue_;
  std::vector<uint64_t> cancelled_;
  bool stop_ = false;
  uint64_t next_id_ = 1;
  SchedulerMetrics m_;
  std::thread thread_;
};

}  // namespace dseek
