#include "engine/speculative.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "engine/spec_step.h"
#include "runtime/error.h"

namespace dseek {

void check_draft(const CausalLm& lm, int draft) {
  if (draft == 0) return;
  const std::string what = "--draft " + std::to_string(draft);
  if (draft < 0 || draft > kMaxDraft)
    throw Error("--draft must be in 0.." + std::to_string(kMaxDraft) +
                " (tokens the MTP layer drafts a step; 0 = off), got " + std::to_string(draft));
  const Model* m = lm.v3();
  if (!m)
    throw Error(what + ": speculative decoding runs DeepSeek-V3.x checkpoints only so far (this one is " +
                lm.info().model_type + "); use --draft 0");
  if (m->weights().mtp.empty())
    throw Error(what + ": " + m->checkpoint().dir() + " has no MTP layer (num_nextn_predict_layers = 0); use --draft 0");
}

int32_t verify_draft(Sampler& rng, const TokenDist& p, const TokenDist& q, int32_t draft, bool* accepted,
                     AcceptRule rule) {
  if (rule == AcceptRule::AcceptAll) return *accepted = true, draft;
  const double pd = p.prob(draft), qd = q.prob(draft);
  // p >= q accepts surely (no draw): greedy never touches the generator.
  *accepted = pd > 0 && (pd >= qd || rng.uniform() < pd / qd);
  if (*accepted) return draft;
  if (rule == AcceptRule::ResampleTarget) return rng.draw(p);
  std::unordered_map<int32_t, double> qm;
  for (size_t i = 0; i < q.ids.size(); ++i) qm[q.ids[i]] = q.probs[i];
  TokenDist r;
  double total = 0;
  for (size_t i = 0; i < p.ids.size(); ++i) {
    auto it = qm.find(p.ids[i]);
    const double v = p.probs[i] - (it == qm.end() ? 0.0 : it->second);
    if (v > 0) {
      r.ids.push_back(p.ids[i]);
      r.probs.push_back(v);
      total += v;
    }
  }
  if (r.ids.empty()) return rng.draw(p);  // p <= q everywhere: only by rounding
  for (double& v : r.probs) v /= total;
  return rng.draw(r);
}

std::vector<int32_t> generate_speculative(const CausalLm& lm, LmSequence& seq, const std::vector<int32_t>& prompt,
                                          const GenerateOptions& opt, const std::function<bool(int32_t)>& on_token,
                                          GenerateStats* stats) {
  using clock = std::chrono::steady_clock;
  check_draft(lm, opt.draft);
  if (prompt.empty()) throw Error("generate: empty prompt");
  SequenceCache* cp = seq.v3_cache();
  if (!cp) throw Error("generate: a sequence of another model");
  SequenceCache& cache = *cp;
  const Model& m = *lm.v3();
  const int64_t V = m.config().vocab_size, D = m.config().hidden_size, max_pos = lm.info().max_positions;

  // The MTP entry of position i pairs the main model's hidden state there with token i + 1.
  // Positions it lacks are fed again (their hidden states are needed); with unknown tokens
  // among them (-1) they cannot be: decode without drafts.
  std::vector<int32_t> feed;
  if (cache.mtp_length < cache.length) {
    const auto first = cache.tokens.begin() + cache.mtp_length;
    if (std::any_of(first, cache.tokens.end(), [](int32_t t) { return t < 0; })) {
      GenerateOptions plain = opt;
      plain.draft = 0;
      return generate(lm, seq, prompt, plain, on_token, stats);
    }
    feed.assign(first, cache.tokens.end());
    cache.truncate(cache.mtp_length, true);
  }
  feed.insert(feed.end(), prompt.begin(), prompt.end());

  Sampler target(opt.sampling), drafter(draft_sampling(opt.sampling));
  target.set_prompt(prompt);
  if (opt.constraint) target.set_constraint(opt.constraint(opt.stop_ids));
  GenerateStats st;
  st.prompt_tokens = static_cast<int64_t>(prompt.size());
  const auto t0 = clock::now();

  // Prefill in chunks (as generate does); after each, the MTP entries of the positions whose
  // next token is known. job.hid's last row waits for its token (the next chunk's first).
  const size_t kChunk = 2048;
  std::vector<float> logits, hid;
  DraftJob job;
  job.cache = &cache;
  job.drafter = &drafter;
  for (size_t p0 = 0; p0 < feed.size(); p0 += kChunk) {
    const size_t n = std::min(kChunk, feed.size() - p0);
    const std::vector<int32_t> chunk(feed.begin() + static_cast<int64_t>(p0), feed.begin() + static_cast<int64_t>(p0 + n));
    ForwardResult r = m.forward(Batch{chunk, std::vector<int32_t>(n, 0)}, {&cache}, false);
    job.feed.assign(chunk.begin() + (hid.empty() ? 1 : 0), chunk.end());
    hid.insert(hid.end(), r.hidden.begin(), r.hidden.end() - D);
    job.hid = std::move(hid);
    job.k = 0;
    draft_round(m, {&job});
    hid.assign(r.hidden.end() - D, r.hidden.end());
    logits = std::move(r.logits);
  }
  st.prefill_s = std::chrono::duration<double>(clock::now() - t0).count();
  const auto t1 = clock::now();

  std::vector<int32_t> out;
  // Emits one token, the cache then holding `held` positions; true when generation ends there
  // (as generate's loop decides).
  auto emit = [&](int32_t id, int64_t held) {
    out.push_back(id);
    const bool stop =
        std::find(opt.stop_ids.begin(), opt.stop_ids.end(), id) != opt.stop_ids.end() || target.constraint_done();
    if (!on_token(id)) return true;
    if (stop) {
      st.stopped_on_stop_id = true;
      return true;
    }
    return static_cast<int>(out.size()) >= opt.max_tokens || held + 1 > max_pos;
  };
  std::vector<int32_t> step = {target.sample(logits.data(), V)};  // tokens emitted by the last step
  bool done = emit(step[0], cache.length);
  while (true) {
    // The MTP entries of the verified positions (their hidden states, the tokens that
    // followed them); the last one drafts. A finished sequence still gets its entries, so
    // the MTP cache holds one a position (a chat turn continues from it).
    const int64_t L0 = cache.length;
    job.feed = step;
    job.hid = std::move(hid);
    job.k = done ? 0 : draft_budget(opt.draft, opt.max_tokens - static_cast<int64_t>(out.size()), max_pos - L0 - 1);
    draft_round(m, {&job});
    if (done) break;
    // Verify the pending token and the drafts in one run; only the pending token's position
    // counts as verified until the drafts are judged.
    std::vector<int32_t> run = {step.back()};
    run.insert(run.end(), job.drafts.begin(), job.drafts.end());
    cache.set_verified_limit(L0 + 1);
    ForwardResult r = m.forward(Batch{run, std::vector<int32_t>(run.size(), 0)}, {&cache}, true);
    int64_t accepted = 0;
    step = judge_drafts(
        target, r.logits.data(), V, job.drafts, job.qs, opt.accept_rule,
        [&](int32_t tok, int j) { return done = emit(tok, L0 + j + 1); }, &accepted);
    // Positions L0 .. L0 + e - 1 hold the pending token and the accepted drafts before the
    // last emitted token: the rest, and the chained draft entries of the MTP cache, go.
    const int64_t e = static_cast<int64_t>(step.size());
    settle_verified(cache, L0, e, job.mtp_verified);
    hid.assign(r.hidden.begin(), r.hidden.begin() + e * D);
    const int k = static_cast<int>(job.drafts.size());
    if (k > 0) {
      ++st.verify_steps;
      st.drafted_tokens += k;
      st.accepted_tokens += accepted;
    }
  }
  st.decode_s = std::chrono::duration<double>(clock::now() - t1).count();
  st.generated_tokens = static_cast<int64_t>(out.size());
  if (stats) *stats = st;
  return out;
}

}  // namespace dseek
