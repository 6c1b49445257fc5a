#include "engine/spec_step.h"

#include <algorithm>

#include "engine/speculative.h"
#include "runtime/error.h"

namespace dseek {

SamplingParams draft_sampling(const SamplingParams& p) {
  SamplingParams d;
  d.temperature = p.temperature;
  d.top_k = p.top_k;
  d.top_p = p.top_p;
  d.min_p = p.min_p;
  d.logit_bias = p.logit_bias;
  d.seed = p.seed ? p.seed ^ 0x9e3779b97f4a7c15ull : 0;  // its own stream, reproducible with the seed
  return d;
}

int draft_budget(int draft, int64_t left, int64_t room) {
  return static_cast<int>(std::max<int64_t>(0, std::min<int64_t>({draft, left - 1, room})));
}

void draft_round(const Model& m, const std::vector<DraftJob*>& jobs) {
  const int64_t V = m.config().vocab_size, D = m.config().hidden_size;
  // Round 0 feeds the verified entries; its last row per job drafts the first token.
  Batch b;
  std::vector<SequenceCache*> caches;
  std::vector<float> prev;
  std::vector<DraftJob*> fed;
  for (DraftJob* j : jobs) {
    j->drafts.clear();
    j->qs.clear();
    if (j->feed.empty()) {
      if (j->k > 0) throw Error("draft_round: a draft needs the verified entries it follows");
      j->mtp_verified = j->cache->mtp_length;
      continue;
    }
    if (static_cast<int64_t>(j->hid.size()) != static_cast<int64_t>(j->feed.size()) * D)
      throw Error("draft_round: hid must be [feed, hidden]");
    b.tokens.insert(b.tokens.end(), j->feed.begin(), j->feed.end());
    b.seq.insert(b.seq.end(), j->feed.size(), static_cast<int32_t>(caches.size()));
    prev.insert(prev.end(), j->hid.begin(), j->hid.end());
    caches.push_back(j->cache);
    fed.push_back(j);
  }
  if (fed.empty()) return;
  std::vector<float> normed;
  std::vector<float> logits = m.forward_mtp(b, prev, caches, false, nullptr, &normed);
  // Each fed job's last normed row (what a chained step feeds back) and last logits row.
  std::vector<DraftJob*> live;
  std::vector<std::vector<float>> last;
  std::vector<const float*> rows;
  int64_t end = 0;
  for (size_t i = 0; i < fed.size(); ++i) {
    DraftJob* j = fed[i];
    end += static_cast<int64_t>(j->feed.size());
    j->mtp_verified = j->cache->mtp_length;
    if (j->k <= 0) continue;
    live.push_back(j);
    last.emplace_back(normed.begin() + (end - 1) * D, normed.begin() + end * D);
    rows.push_back(logits.data() + static_cast<int64_t>(i) * V);
  }
  for (int round = 0; !live.empty(); ++round) {
    for (size_t i = 0; i < live.size(); ++i) {
      live[i]->qs.push_back(live[i]->drafter->distribution(rows[i], V));
      live[i]->drafts.push_back(live[i]->drafter->draw(live[i]->qs.back()));
    }
    // The jobs that want another draft chain on their last draft and normed state.
    Batch cb;
    std::vector<SequenceCache*> cc;
    std::vector<float> cprev;
    std::vector<DraftJob*> next;
    for (size_t i = 0; i < live.size(); ++i) {
      if (static_cast<int>(live[i]->drafts.size()) >= live[i]->k) continue;
      cb.tokens.push_back(live[i]->drafts.back());
      cb.seq.push_back(static_cast<int32_t>(cc.size()));
      cc.push_back(live[i]->cache);
      cprev.insert(cprev.end(), last[i].begin(), last[i].end());
      next.push_back(live[i]);
    }
    live = std::move(next);
    if (live.empty()) break;
    logits = m.forward_mtp(cb, cprev, cc, false, nullptr, &normed);
    for (size_t i = 0; i < live.size(); ++i) {
      last[i].assign(normed.begin() + static_cast<int64_t>(i) * D, normed.begin() + static_cast<int64_t>(i + 1) * D);
      rows[i] = logits.data() + static_cast<int64_t>(i) * V;
    }
    last.resize(live.size());
    rows.resize(live.size());
  }
}

std::vector<int32_t> judge_drafts(Sampler& target, const float* rows, int64_t vocab, const std::vector<int32_t>& drafts,
                                  const std::vector<TokenDist>& qs, AcceptRule rule,
                                  const std::function<bool(int32_t, int)>& emit, int64_t* accepted) {
  const int k = static_cast<int>(drafts.size());
  std::vector<int32_t> out;
  *accepted = 0;
  for (int j = 0; j <= k; ++j) {
    const float* row = rows + static_cast<int64_t>(j) * vocab;
    bool acc = false;
    int32_t tok;
    if (j < k) {
      tok = verify_draft(target, target.distribution(row, vocab), qs[j], drafts[j], &acc, rule);
      target.accept(tok);
    } else {
      tok = target.sample(row, vocab);  // every draft accepted: the bonus token
    }
    *accepted += acc;
    out.push_back(tok);
    if (emit(tok, j) || !acc) break;
  }
  return out;
}

void settle_verified(SequenceCache& cache, int64_t L0, int64_t emitted, int64_t mtp_verified) {
  // Truncate first: lifting the limit publishes the full blocks below the end, and no block
  // holding a rejected draft may be among them.
  cache.truncate(L0 + emitted);
  cache.truncate_mtp(mtp_verified);
  cache.set_verified_limit(INT64_MAX);
}

}  // namespace dseek
