#include "engine/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "engine/spec_step.h"
#include "engine/speculative.h"
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
  // --draft: the drafter's sampler; the drafts the next step verifies after `pending` and their
  // distributions q; the MTP entries to keep once they are judged; the MTP entries this step
  // adds (feed[i] follows the position whose main-model hidden state is feed_hid[i, :]); the
  // hidden state of the last prompt position fed, waiting for the token after it.
  std::unique_ptr<Sampler> drafter;
  std::vector<int32_t> drafts;
  std::vector<TokenDist> qs;
  int64_t mtp_verified = 0;
  std::vector<int32_t> feed;
  std::vector<float> feed_hid, last_hid;
  bool admitted = false;
  Clock::time_point submitted, started, first_token;
  bool got_first = false, done = false;
};

Scheduler::Scheduler(const CausalLm& lm, int parallel, int64_t ctx_size, int64_t kv_budget_bytes, int prefill_chunk,
                     double prefill_step_s, int draft)
    : lm_(lm),
      parallel_(std::max(1, parallel)),
      ctx_size_(ctx_size),
      prefill_chunk_(std::max(1, prefill_chunk)),
      draft_(draft),
      prefill_step_s_(std::max(0.0, prefill_step_s)) {
  check_draft(lm, draft);
  m_.draft = draft;
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
  if (draft_ > 0) s->drafter = std::make_unique<Sampler>(draft_sampling(req.opt.sampling));
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
        q.cached = draft_ > 0 ? 0 : q.cache->adopt_prefix(q.req.prompt);  // drafting needs every hidden state
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
  std::vector<bool> verifies;  // --draft: a decoding sequence's pending token + drafts
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
    const bool verify = draft_ > 0 && s.generated > 0;
    std::vector<int32_t> toks(s.pending.begin(), s.pending.begin() + take);
    if (verify) toks.insert(toks.end(), s.drafts.begin(), s.drafts.end());
    try {
      try {
        s.cache->reserve(static_cast<int64_t>(toks.size()));
      } catch (const KvCacheFull&) {
        if (!verify || s.drafts.empty()) throw;
        s.drafts.clear();  // no room for the drafts: the pending token alone, as draft 0 would
        s.qs.clear();
        toks.resize(1);
        s.cache->reserve(1);
      }
    } catch (const KvCacheFull& e) {
      finish(s, "error", e.what());
      continue;
    }
    in_batch.push_back(&s);
    runs.push_back({s.cache.get(), std::move(toks)});
    s.pending.erase(s.pending.begin(), s.pending.begin() + take);
    samples.push_back(s.pending.empty());
    verifies.push_back(verify);
    if (!verify) (take > 1 || s.generated == 0 ? prefill_tokens : decode_tokens) += take;
  }
  if (in_batch.empty()) return;
  auto t0 = Clock::now();
  const int64_t V = lm_.info().vocab_size;
  std::vector<float> logits_all, hidden;
  std::vector<int64_t> first_row(in_batch.size()), begin(in_batch.size());  // logits row, batch row of each run
  try {
    if (draft_ == 0) {
      logits_all = lm_.forward_batch(runs);
      for (size_t i = 0; i < in_batch.size(); ++i) first_row[i] = static_cast<int64_t>(i);
    } else {
      // One Model::forward as forward_batch runs it, with logits for every row of a
      // verification run (< kPrefillGemmRows rows: the decode kernels, the bits of one-token
      // decode) and the last row of a prompt chunk; the hidden states feed the MTP layer.
      Batch b;
      std::vector<SequenceCache*> caches;
      std::vector<int32_t> rows;
      for (size_t i = 0; i < in_batch.size(); ++i) {
        SequenceCache* c = runs[i].seq->v3_cache();
        begin[i] = static_cast<int64_t>(b.tokens.size());
        b.tokens.insert(b.tokens.end(), runs[i].tokens.begin(), runs[i].tokens.end());
        b.seq.insert(b.seq.end(), runs[i].tokens.size(), static_cast<int32_t>(caches.size()));
        caches.push_back(c);
        first_row[i] = static_cast<int64_t>(rows.size());
        const int64_t n = static_cast<int64_t>(runs[i].tokens.size());
        for (int64_t j = verifies[i] ? 0 : n - 1; j < n; ++j) rows.push_back(static_cast<int32_t>(begin[i] + j));
        if (verifies[i]) c->set_verified_limit(c->length + 1);  // drafts are not published before they are judged
      }
      ForwardResult r = lm_.v3()->forward(b, caches, rows);
      logits_all = std::move(r.logits);
      hidden = std::move(r.hidden);
    }
  } catch (const std::exception& e) {
    for (Seq* s : in_batch) finish(*s, "error", e.what());
    return;
  }
  const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
  if (prefill_tokens > 0) prefill_token_s_ = dt / static_cast<double>(prefill_tokens);  // decodes' share included: errs short
  const int64_t D = draft_ > 0 ? lm_.v3()->config().hidden_size : 0;
  int64_t sampled = 0, drafted = 0, accepted = 0;
  std::vector<Seq*> to_draft;
  for (size_t i = 0; i < in_batch.size(); ++i) {
    Seq& s = *in_batch[i];
    const float* logits = logits_all.data() + first_row[i] * V;
    const int64_t n = static_cast<int64_t>(runs[i].tokens.size());
    const float* hid = hidden.data() + begin[i] * D;
    if (verifies[i]) {
      const int64_t L0 = s.cache->length() - n;
      int64_t acc = 0;
      std::vector<int32_t> got;
      try {
        got = judge_drafts(
            *s.sampler, logits, V, s.drafts, s.qs, s.req.opt.accept_rule,
            [&](int32_t tok, int j) { return emit(s, logits + static_cast<int64_t>(j) * V, tok, L0 + j + 1); }, &acc);
      } catch (const std::exception& e) {  // a constraint over its limits (grammar: too many states)
        finish(s, "error", e.what());
        continue;
      }
      const int64_t e = static_cast<int64_t>(got.size());
      sampled += e;
      decode_tokens += e;
      drafted += static_cast<int64_t>(s.drafts.size());
      accepted += acc;
      if (s.done) continue;
      try {
        settle_verified(*s.cache->v3_cache(), L0, e, s.mtp_verified);
      } catch (const std::exception& ex) {
        finish(s, "error", ex.what());
        continue;
      }
      s.feed = got;
      s.feed_hid.assign(hid, hid + e * D);
      s.pending = {got.back()};
      to_draft.push_back(&s);
      continue;
    }
    if (draft_ > 0) {  // a prompt chunk: the MTP entries of its positions whose next token is known
      s.feed.assign(runs[i].tokens.begin() + (s.last_hid.empty() ? 1 : 0), runs[i].tokens.end());
      s.feed_hid = std::move(s.last_hid);
      s.feed_hid.insert(s.feed_hid.end(), hid, hid + (n - 1) * D);
      s.last_hid.assign(hid + (n - 1) * D, hid + n * D);
    }
    if (!samples[i]) {  // mid-prompt chunk: nothing to sample yet
      if (draft_ > 0) to_draft.push_back(&s);
      continue;
    }
    if (s.generated == 0) s.cache->publish();  // the whole prompt is in: reusable by later requests
    int32_t id;
    try {
      id = s.sampler->sample(logits, V);
    } catch (const std::exception& e) {  // a constraint over its limits (grammar: too many states)
      finish(s, "error", e.what());
      continue;
    }
    ++sampled;
    if (emit(s, logits, id, s.cache->length())) continue;
    s.pending = {id};
    if (draft_ > 0) {  // the first token follows the prompt's last position
      s.feed.push_back(id);
      s.feed_hid.insert(s.feed_hid.end(), s.last_hid.begin(), s.last_hid.end());
      s.last_hid.clear();
      to_draft.push_back(&s);
    }
  }
  if (!to_draft.empty()) draft(to_draft);
  const double step_s = std::chrono::duration<double>(Clock::now() - t0).count();  // drafting included
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
  m_.draft_tokens_total += drafted;
  m_.draft_accepted_total += accepted;
  // Time of a mixed step is attributed to prefill when it carried any prompt tokens. A
  // verification run counts the tokens it emitted.
  if (prefill_tokens > 0) {
    m_.prefill_seconds_total += step_s;
    m_.prefill_tokens_total += prefill_tokens;
  } else {
    m_.decode_seconds_total += step_s;
    m_.decode_tokens_total += decode_tokens;
  }
}

bool Scheduler::emit(Seq& s, const float* logits, int32_t id, int64_t held) {
  const int64_t V = lm_.info().vocab_size;
  TokenEvent ev;
  ev.id = id;
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
  if (!s.got_first) {
    s.got_first = true;
    s.first_token = Clock::now();
  }
  // A completed constraint (nothing may follow the structured output) ends it like a stop id.
  const bool stop_id = std::find(s.req.opt.stop_ids.begin(), s.req.opt.stop_ids.end(), ev.id) != s.req.opt.stop_ids.end() ||
                       s.sampler->constraint_done();
  const bool keep = !s.req.on_token || s.req.on_token(ev);
  if (!keep) {
    finish(s, "cancelled");
  } else if (stop_id) {
    finish(s, "stop");
  } else if (s.generated >= s.req.opt.max_tokens || held + 1 >= ctx_size_) {
    finish(s, "length");
  }
  return s.done;
}

void Scheduler::draft(const std::vector<Seq*>& seqs) {
  std::vector<DraftJob> jobs(seqs.size());
  std::vector<DraftJob*> ptrs;
  for (size_t i = 0; i < seqs.size(); ++i) {
    Seq& s = *seqs[i];
    DraftJob& j = jobs[i];
    j.cache = s.cache->v3_cache();
    j.feed = std::move(s.feed);
    j.hid = std::move(s.feed_hid);
    j.drafter = s.drafter.get();
    // Drafts only after a sampled token (the pending one), at most as many as the request may
    // still emit after it and the context may still hold (draft 0 finishes at length + 1 >= ctx).
    if (s.generated > 0) j.k = draft_budget(draft_, s.req.opt.max_tokens - s.generated, ctx_size_ - 2 - j.cache->length);
    ptrs.push_back(&j);
  }
  try {
    draft_round(*lm_.v3(), ptrs);
  } catch (const std::exception& e) {
    for (Seq* s : seqs) finish(*s, "error", e.what());
    return;
  }
  for (size_t i = 0; i < seqs.size(); ++i) {
    seqs[i]->drafts = std::move(jobs[i].drafts);
    seqs[i]->qs = std::move(jobs[i].qs);
    seqs[i]->mtp_verified = jobs[i].mtp_verified;
  }
}

}  // namespace dseek
