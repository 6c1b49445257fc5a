// Speculative decoding with the checkpoint's MTP layer as the draft model (DeepSeek-V3 report
// §2.2; the acceptance rule of Leviathan et al. 2023 / Chen et al. 2023). After each verified
// step the MTP layer drafts k tokens (k > 1 chains the one layer on its own normed hidden
// state, as SGLang does); the main model verifies the k + 1 positions in one run continuing
// the sequence's cache; the accepted drafts plus one corrected or bonus token are emitted.
//
// Exactness: a run of k + 1 <= kMaxDraft + 1 < Model::kPrefillGemmRows rows takes the decode
// kernels and the absorbed attention row by row, so each verified row's logits are the bits
// one-token decode computes; greedy output is therefore identical to draft 0, and sampled
// output has the same distribution. Rejected positions leave the paged cache and the MTP
// cache as if never written (SequenceCache::truncate / truncate_mtp), and blocks holding
// unverified drafts are not published for prefix reuse (SequenceCache::set_verified_limit).
// The loop's steps (drafting, judging, rolling back) are engine/spec_step.h, shared with the
// server's Scheduler (`serve --draft`), whose verification runs share a batched forward: the
// kernels are picked per sequence from its own row count (Model::prefill_gemm_rows, per routed
// expert too), so a run of draft + 1 rows takes the decode kernels whatever else is in the step.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/causal_lm.h"
#include "engine/generate.h"
#include "engine/sampler.h"

namespace dseek {

// The most tokens one step drafts: draft + 1 verified rows stay below the prefill GEMM's
// threshold (Model::kPrefillGemmRows = 8).
constexpr int kMaxDraft = 6;

// Checks a draft count for `lm` (the `--draft` option): 0 always; 1..kMaxDraft on a V3.x model
// with an MTP layer. Throws dseek::Error naming --draft otherwise (V4, no MTP layer, range).
void check_draft(const CausalLm& lm, int draft);

// One drafted position, speculative sampling: `draft` was drawn from q; it is accepted with
// probability min(1, p(draft) / q(draft)), else the token is drawn from the normalised residual
// max(0, p - q). Draws use `rng`'s seeded generator (a sure accept draws nothing). Returns the
// emitted token; *accepted says whether it is the draft.
int32_t verify_draft(Sampler& rng, const TokenDist& p, const TokenDist& q, int32_t draft, bool* accepted,
                     AcceptRule rule = AcceptRule::Exact);

// generate() (engine/generate.h) with opt.draft >= 1: the same tokens under greedy, the same
// distribution when sampling, the same stop, max_tokens and on_token behaviour; stats add the
// verify steps, drafted and accepted tokens. On return the sequence holds the prompt and the
// generated tokens but the last (as draft 0 leaves it) and the MTP cache one entry per
// position. A sequence whose MTP cache lags its main cache (decoded without drafts, a chat turn
// that rewrote its end) recomputes the lagging positions first. Throws what check_draft and
// CausalLm::forward throw.
std::vector<int32_t> generate_speculative(const CausalLm& lm, LmSequence& seq, const std::vector<int32_t>& prompt,
                                          const GenerateOptions& opt, const std::function<bool(int32_t)>& on_token,
                                          GenerateStats* stats);

}  // namespace dseek
