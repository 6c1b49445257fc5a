#include "engine/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "engine/state_budget.h"
#include "runtime/error.h"

namespace dseek {

using Clock = std::chrono::steady_clock;

struct Scheduler::Seq {
  uint64_t id = 0;
  GenRequest req;
  std::unique_ptr<LmSequence> cache;
  std::unique_ptr<Sampler> sampler;
  std::vector<int32_t> pending;  // tokens still to feed (prompt rest, then the last sample)
  int64_t generated = 0, cached = 0;
  bool admitted = false;
  Clock::time_point submitted, started, first_token;
  bool got_first = false, done = false;
};

Scheduler::Scheduler(const CausalLm& lm, int parallel, int64_t ctx_size, int64_t kv_budget_bytes, int prefill_chunk,
                     double prefill_step_s)
    : lm_(lm),
      parallel_(std::max(1, parallel)),
      ctx_size_(ctx_size),
      prefill_chunk_(std::max(1, prefill_chunk)),
      prefill_step_s_(std::max(0.0, prefill_step_s)) {
  const int64_t maxpos = lm.info().max_positions;
  if (ctx_size_ <= 0 || ctx_size_ > maxpos) ctx_size_ = maxpos;
  pool_ = lm.new_pool(kv_budget_bytes);
  if (!pool_) budget_ = lm.new_budget(kv_budget_bytes);
  if (!pool_ && !budget_ && kv_budget_bytes > 0)
    throw Error("--kv-budget: " + lm.info().model_type + " has neither a shared KV pool nor a state budget");
  m_.parallel = parallel_;
  m_.kv_block_tokens = pool_ ? pool_->block_tokens() : 0;
  m_.kv_blocks_capacity = pool_ ? pool_->stats().capacity_blocks : -1;
  if (pool_ && m_.kv_blocks_capacity >= 0) m_.kv_budget_tokens = m_.kv_blocks_capacity * m_.kv_block_tokens;
  if (budget_) {
    m_.state_budget_bytes = budget_->capacity();
    if (budget_->bounded()) {
      m_.kv_budget_tokens = std::max<int64_t>(0, budget_->max_tokens(ctx_size_));
      if (budget_->bytes_at(1) > budget_->capacity())
        throw Error("--kv-budget " + std::to_string(kv_budget_bytes) + " bytes: one " + lm.info().model_type +
                    " sequence holds " + std::to_string(budget_->bytes_at(1)) + " bytes from its first token (raise it)");
    }
  }
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

uint64_t Scheduler::submit(GenRequest req) {
  if (req.prompt.empty()) throw Error("empty prompt");
  const int64_t n = static_cast<int64_t>(req.prompt.size());
  if (n >= ctx_size_)
    throw Error("prompt of " + std::to_string(n) + " tokens does not fit the context of " + std::to_string(ctx_size_) +
                " tokens");
  const int32_t V = lm_.info().vocab_size;
  for (int32_t t : req.prompt)
    if (t < 0 || t >= V) throw Error("token id " + std::to_string(t) + " out of range");
  if (budget_ && budget_->bounded()) {  // whole states: the plan's bytes at the request's end
    const int64_t end = n + std::min<int64_t>(req.opt.max_tokens, ctx_size_ - n), bytes = budget_->bytes_at(end);
    if (bytes > budget_->capacity())
      throw KvCacheFull("request needs " + std::to_string(bytes) + " bytes of sequence state (" + std::to_string(n) +
                        " prompt tokens + up to " + std::to_string(req.opt.max_tokens) + " generated) but --kv-budget holds " +
                        std::to_string(budget_->capacity()) + " bytes (" + std::to_string(m_.kv_budget_tokens) +
                        " tokens of one sequence; raise --kv-budget)");
  }
  const int64_t cap = pool_ ? pool_->stats().capacity_blocks : -1, B = pool_ ? pool_->block_tokens() : 1;
  const int64_t need = (n + std::min<int64_t>(req.opt.max_tokens, ctx_size_ - n) + B - 1) / B;
  if (cap >= 0 && need > cap)
    throw KvCacheFull("request needs " + std::to_string(need) + " KV-cache blocks (" + std::to_string(n) +
                      " prompt tokens + up to " + std::to_string(req.opt.max_tokens) + " generated) but the cache holds " +
                      std::to_string(cap) + " (" + std::to_string(cap * pool_->block_bytes()) + " bytes; raise --kv-budget)");
  auto s = std::make_unique<Seq>();
  s->sampler = std::make_unique<Sampler>(req.opt.sampling);
  s->sampler->set_prompt(req.prompt);  // repetition_penalty counts the prompt (as vLLM)
  if (req.opt.constraint) s->sampler->set_constraint(req.opt.constraint(req.opt.stop_ids));
  s->pending = req.prompt;
  s->req = std::move(req);
  s->submitted = Clock::now();
  uint64_t id;
  {
    std::lock_guard<std::mutex> l(mu_);
    const int64_t free_slots = std::max<int64_t>(0, parallel_ - m_.requests_active),
                  waiting = static_cast<int64_t>(queue_.size()) - free_slots;
    if (max_queued_ > 0 && !s->req.sibling && waiting >= max_queued_) {
      ++m_.requests_refused_busy;
      throw QueueFull("the server is busy: " + std::to_string(waiting) + " requests wait for a slot (--max-queued " +
                      std::to_string(max_queued_) + "); retry later");
    }
    id = s->id = next_id_++;
    ++m_.requests_total;
    queue_.push_back(std::move(s));
    m_.queue_depth = static_cast<int64_t>(queue_.size());
  }
  cv_.notify_all();
  return id;
}

void Scheduler::set_max_queued(int64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  max_queued_ = std::max<int64_t>(0, n);
}

void Scheduler::expire(std::vector<std::unique_ptr<Seq>>& active) {
  const auto now = Clock::now();
  auto late = [&](const Seq& s) {
    return s.req.timeout_s > 0 && std::chrono::duration<double>(now - s.submitted).count() > s.req.timeout_s;
  };
  auto why = [](const Seq& s) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", s.req.timeout_s);
    return std::string("the request did not finish within ") + b + " s (the server's --request-timeout)";
  };
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (!late(**it)) {
      ++it;
      continue;
    }
    (*it)->started = now;
    finish(**it, "timeout", why(**it));
    ++m_.requests_timed_out;
    it = queue_.erase(it);
  }
  for (auto& s : active)
    if (!s->done && late(*s)) {
      finish(*s, "timeout", why(*s));
      ++m_.requests_timed_out;
    }
}

void Scheduler::cancel(uint64_t id) {
  {
    std::lock_guard<std::mutex> l(mu_);
    cancelled_.push_back(id);
  }
  cv_.notify_all();
}

SchedulerMetrics Scheduler::metrics() const {
  std::lock_guard<std::mutex> l(mu_);
  return m_;
}

void Scheduler::finish(Seq& s, const std::string& reason, const std::string& error) {
  if (s.done) return;
  s.done = true;
  FinishEvent e;
  e.reason = reason;
  e.error = error;
  e.prompt_tokens = static_cast<int64_t>(s.req.prompt.size());
  e.completion_tokens = s.generated;
  e.cached_tokens = s.cached;
  if (s.cache) s.cache->clear();  // blocks go back to the pool (published ones stay cached for reuse)
  auto now = Clock::now();
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  e.queue_s = secs(s.started - s.submitted);
  e.ttft_s = s.got_first ? secs(s.first_token - s.submitted) : 0;
  e.total_s = secs(now - s.submitted);
  if (s.req.on_finish) s.req.on_finish(e);
}

void Scheduler::loop() {
  std::vector<std::unique_ptr<Seq>> active;
  while (true) {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return stop_ || !queue_.empty() || !active.empty() || !cancelled_.empty(); });
      if (stop_) {
        for (auto& s : active) finish(*s, "cancelled");
        for (auto& s : queue_) finish(*s, "cancelled");
        queue_.clear();
        return;
      }
      // Cancellations first: queued ones leave the queue, running ones leave the batch.
      for (uint64_t id : cancelled_) {
        auto qi = std::find_if(queue_.begin(), queue_.end(), [&](auto& s) { return s->id == id; });
        if (qi != queue_.end()) {
          (*qi)->started = Clock::now();
          finish(**qi, "cancelled");
          queue_.erase(qi);
        }
        for (auto& s : active)
          if (s->id == id) finish(*s, "cancelled");
      }
      cancelled_.clear();
      expire(active);
      while (static_cast<int>(active.size()) < parallel_ && !queue_.empty()) {
        Seq& q = *queue_.front();
        // Admit when the prompt's blocks are available now (or nothing else could free any).
        // Whole states (budget_): a copied prefix costs as much as a cold prompt, so the check
        // comes first, and the prompt's bytes are reserved at once (the next admission sees them).
        const int64_t prompt_n = static_cast<int64_t>(q.req.prompt.size());
        if (budget_ && budget_->bytes_at(prompt_n + 1) > budget_->available() && !active.empty()) break;
        q.cache = budget_ ? lm_.new_sequence_in(budget_) : lm_.new_sequence(pool_);
        q.cached = q.cache->adopt_prefix(q.req.prompt);
        if (budget_) {
          try {
            q.cache->reserve(prompt_n - q.cached + 1);
          } catch (const KvCacheFull&) {
            if (!active.empty()) {
              q.cache->clear();
              break;
            }  // alone, it takes the error at its first step
          }
        }
        if (pool_) {
          const int64_t rest = static_cast<int64_t>(q.req.prompt.size()) - q.cached;
          const int64_t need =
              (q.cached + rest + 1 + pool_->block_tokens() - 1) / pool_->block_tokens() - q.cache->blocks();
          if (need > pool_->available() && !active.empty()) {
            q.cache->clear();
            break;
          }
        }
        q.pending.assign(q.req.prompt.begin() + q.cached, q.req.prompt.end());
        m_.prefix_cached_tokens_total += q.cached;
        active.push_back(std::move(queue_.front()));
        queue_.pop_front();
        active.back()->started = Clock::now();
      }
      m_.queue_depth = static_cast<int64_t>(queue_.size());
    }
    active.erase(std::remove_if(active.begin(), active.end(), [](auto& s) { return s->done; }), active.end());
    if (!active.empty()) step(active);
    active.erase(std::remove_if(active.begin(), active.end(), [](auto& s) { return s->done; }), active.end());
    std::lock_guard<std::mutex> l(mu_);
    m_.requests_active = static_cast<int64_t>(active.size());
    m_.kv_cache_bytes = 0;
    m_.kv_cache_tokens = 0;
    for (auto& s : active) {
      m_.kv_cache_bytes += static_cast<int64_t>(s->cache->bytes());
      m_.kv_cache_tokens += s->cache->length();
    }
    if (budget_) {
      const StateBudgetStats bs = budget_->stats();
      m_.state_reserved_bytes = bs.live_bytes;
      m_.state_cached_bytes = bs.cached_bytes;
      m_.kv_evictions = bs.evictions;
    }
  }
}

void Scheduler::step(std::vector<std::unique_ptr<Seq>>& active) {
  std::vector<LmRun> runs;
  std::vector<Seq*> in_batch;
  std::vector<bool> samples;  // this step ends the sequence's pending tokens: sample after it
  int64_t prefill_tokens = 0, decode_tokens = 0, prefill_budget = prefill_chunk_;
  if (prefill_step_s_ > 0 && prefill_token_s_ > 0)
    prefill_budget = std::clamp(static_cast<int64_t>(prefill_step_s_ / prefill_token_s_), std::min<int64_t>(kMinPrefillTokens, prefill_chunk_),
                                static_cast<int64_t>(prefill_chunk_));
  // Fairness: decode steps first, then prompts shortest-remaining first, so a short request
  // starts within a step while a long prompt is fed chunk by chunk (a long prompt never holds
  // the whole budget against the others). Results do not depend on the order (batched == alone).
  std::vector<Seq*> order;
  for (auto& sp : active) order.push_back(sp.get());
  std::stable_sort(order.begin(), order.end(), [](const Seq* a, const Seq* b) { return a->pending.size() < b->pending.size(); });
  for (Seq* sp : order) {
    Seq& s = *sp;
    // Decode steps always go; a prompt is fed in chunks of the per-step prefill budget.
    int64_t take = static_cast<int64_t>(s.pending.size());
    if (take > 1) {
      if (prefill_budget <= 0) continue;
      take = std::min(take, prefill_budget);
      prefill_budget -= take;
    }
    try {
      s.cache->reserve(take);
    } catch (const KvCacheFull& e) {
      finish(s, "error", e.what());
      continue;
    }
    in_batch.push_back(&s);
    runs.push_back({s.cache.get(), std::vector<int32_t>(s.pending.begin(), s.pending.begin() + take)});
    s.pending.erase(s.pending.begin(), s.pending.begin() + take);
    samples.push_back(s.pending.empty());
    (take > 1 || s.generated == 0 ? prefill_tokens : decode_tokens) += take;
  }
  if (in_batch.empty()) return;
  auto t0 = Clock::now();
  std::vector<float> logits_all;
  try {
    logits_all = lm_.forward_batch(runs);
  } catch (const std::exception& e) {
    for (Seq* s : in_batch) finish(*s, "error", e.what());
    return;
  }
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  if (prefill_tokens > 0) prefill_token_s_ = dt / static_cast<double>(prefill_tokens);  // decodes' share included: errs short
  const int64_t V = lm_.info().vocab_size;
  int64_t sampled = 0;
  for (size_t i = 0; i < in_batch.size(); ++i) {
    Seq& s = *in_batch[i];
    if (!samples[i]) continue;  // mid-prompt chunk: nothing to sample yet
    if (s.generated == 0) s.cache->publish();  // the whole prompt is in: reusable by later requests
    const float* logits = logits_all.data() + i * V;
    TokenEvent ev;
    try {
      ev.id = s.sampler->sample(logits, V);
    } catch (const std::exception& e) {  // a constraint over its limits (grammar: too many states)
      finish(s, "error", e.what());
      continue;
    }
    if (s.req.top_logprobs >= 0) {
      float mx = *std::max_element(logits, logits + V);
      double z = 0;
      for (int64_t v = 0; v < V; ++v) z += std::exp(double(logits[v]) - mx);
      const float lz = static_cast<float>(std::log(z)) + mx;
      ev.logprob = logits[ev.id] - lz;
      if (s.req.top_logprobs > 0) {
        std::vector<int32_t> idx(V);
        for (int64_t v = 0; v < V; ++v) idx[v] = static_cast<int32_t>(v);
        const int k = std::min<int>(s.req.top_logprobs, static_cast<int>(V));
        std::partial_sort(idx.begin(), idx.begin() + k, idx.end(),
                          [&](int32_t a, int32_t c) { return logits[a] > logits[c] || (logits[a] == logits[c] && a < c); });
        for (int j = 0; j < k; ++j) ev.top.emplace_back(idx[j], logits[idx[j]] - lz);
      }
    }
    ++s.generated;
    ++sampled;
    if (!s.got_first) {
      s.got_first = true;
      s.first_token = Clock::now();
    }
    // A completed constraint (nothing may follow the structured output) ends it like a stop id.
    const bool stop_id = std::find(s.req.opt.stop_ids.begin(), s.req.opt.stop_ids.end(), ev.id) != s.req.opt.stop_ids.end() ||
                         s.sampler->constraint_done();
    bool keep = !s.req.on_token || s.req.on_token(ev);
    if (!keep) {
      finish(s, "cancelled");
    } else if (stop_id) {
      finish(s, "stop");
    } else if (s.generated >= s.req.opt.max_tokens || s.cache->length() + 1 >= ctx_size_) {
      finish(s, "length");
    } else {
      s.pending = {ev.id};
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  if (pool_) {
    const KvPoolStats ps = pool_->stats();
    m_.kv_blocks_used = ps.used_blocks;
    m_.prefix_lookups = ps.prefix_lookups;
    m_.prefix_hits = ps.prefix_hits;
    m_.kv_evictions = ps.evictions;
  }
  m_.prompt_tokens_total += prefill_tokens;
  m_.generated_tokens_total += sampled;
  // Time of a mixed step is attributed to prefill when it carried any prompt tokens.
  if (prefill_tokens > 0) {
    m_.prefill_seconds_total += dt;
    m_.prefill_tokens_total += prefill_tokens;
  } else {
    m_.decode_seconds_total += dt;
    m_.decode_tokens_total += decode_tokens;
  }
}

}  // namespace dseek
