// The steps of MTP speculative decoding (engine/speculative.h) that generate_speculative and
// the server's Scheduler share: feeding the MTP layer and drafting (for several sequences in
// one MTP call each round), judging a verification run, and rolling the caches back to what
// was verified. The callers own the loop around them: generate_speculative one sequence,
// the Scheduler a batch whose verification runs share the main model's forward.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/generate.h"
#include "engine/sampler.h"
#include "model/model.h"

namespace dseek {

// The draft distribution q for a target's sampling parameters. Any q keeps the output exact;
// this one applies the target's temperature, filters and bias but not its penalties (they
// depend on what the target accepts), with its own seeded stream.
SamplingParams draft_sampling(const SamplingParams& target);

// How many tokens to draft after a verified step: at most `draft`; the next step emits up to
// k + 1 tokens, so at most left - 1 (`left` = max_tokens minus the tokens emitted so far, the
// pending one among them); at most `room` (positions the drafts may take after the pending
// token's). Never negative.
int draft_budget(int draft, int64_t left, int64_t room);

// One sequence's part of a drafting round.
struct DraftJob {
  SequenceCache* cache = nullptr;
  // The MTP entries to add first: feed[i] is the token that followed the position whose main
  // model final normed hidden state is hid[i, :] ([feed.size(), hidden]); the entries continue
  // cache->mtp_length. Empty: nothing to add (then k must be 0).
  std::vector<int32_t> feed;
  std::vector<float> hid;
  int k = 0;                 // drafts wanted (0: only feed)
  Sampler* drafter = nullptr;  // draws the drafts (k > 0)
  // Results: the drafts, their distributions q, and cache->mtp_length after the feed (the
  // entries to keep once the drafts are judged; the chained draft entries lie beyond it).
  std::vector<int32_t> drafts;
  std::vector<TokenDist> qs;
  int64_t mtp_verified = 0;
};

// Feeds every job's entries in one forward_mtp call, then drafts k tokens each: the first
// from the feed's last row, the next ones by chaining the MTP layer on its own normed hidden
// state and its last draft (SGLang's chaining), one batched call per round over the jobs that
// still draft. Throws what Model::forward_mtp throws (the caches' MTP parts then unreliable).
void draft_round(const Model& m, const std::vector<DraftJob*>& jobs);

// Judges a verification run: rows[j * vocab ..] are the main model's logits after the pending
// token (j = 0) and after drafts[0 .. j - 1]. Row j < drafts.size() accepts drafts[j] by
// verify_draft (greedy: exactly when it is the argmax; sampling: min(1, p/q), else a draw
// from the residual); the first rejected draft's row gives the corrected token, and with every
// draft accepted the last row gives the bonus token (target.sample, as draft 0 decodes).
// emit(token, j) is called for each emitted token in order and returns true to end there.
// Returns the emitted tokens; *accepted counts the accepted drafts among them. Throws what
// the sampler throws (a constraint over its limits).
std::vector<int32_t> judge_drafts(Sampler& target, const float* rows, int64_t vocab, const std::vector<int32_t>& drafts,
                                  const std::vector<TokenDist>& qs, AcceptRule rule,
                                  const std::function<bool(int32_t, int)>& emit, int64_t* accepted);

// After a verification run that started at position L0 and emitted `emitted` tokens: keeps the
// positions of the pending token and the accepted drafts (L0 .. L0 + emitted - 1), the MTP
// entries before the drafts (mtp_verified), and lifts the verified limit (blocks held back
// from prefix reuse are published). Throws KvCacheFull when a shared block cannot be copied.
void settle_verified(SequenceCache& cache, int64_t L0, int64_t emitted, int64_t mtp_verified);

}  // namespace dseek
