// Single-sequence generation loop: prefill the prompt, then decode one token a step until
// EOS, a stop token or max_tokens, for any model generation (engine/causal_lm.h). The server's
// batched scheduler builds on Model::forward.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/causal_lm.h"
#include "engine/sampler.h"
#include "engine/token_constraint.h"
#include "model/model.h"

namespace dseek {

// Speculative sampling's acceptance rule. The others are deliberately wrong, for the
// distribution tests to show they would notice: ResampleTarget replaces a rejected draft by a
// draw from the target p instead of the residual max(0, p - q); AcceptAll accepts every draft.
enum class AcceptRule { Exact, ResampleTarget, AcceptAll };

struct GenerateOptions {
  int max_tokens = 512;
  SamplingParams sampling;
  std::vector<int32_t> stop_ids;  // generation ends after emitting one of these (EOS by default)
  // Structured output: each sequence's TokenConstraint, made with stop_ids as its end ids
  // (allowed only where the constrained output may end); generation also ends, as at a stop
  // id, once the constraint is done(). Empty: unconstrained.
  ConstraintFactory constraint;
  // Speculative decoding (engine/speculative.h): tokens the checkpoint's MTP layer drafts
  // after each verified step, 0 = off. Greedy output is identical to draft 0; sampled output
  // has the same distribution. V3.x models with an MTP layer; 1..kMaxDraft.
  int draft = 0;
  AcceptRule accept_rule = AcceptRule::Exact;  // tests only
};

struct GenerateStats {
  int64_t prompt_tokens = 0, generated_tokens = 0;
  double prefill_s = 0, decode_s = 0;
  bool stopped_on_stop_id = false;  // false: ran into max_tokens (true too when a constraint completed)
  // Speculative decoding: verification steps, tokens drafted, drafts accepted.
  int64_t verify_steps = 0, drafted_tokens = 0, accepted_tokens = 0;
  double acceptance_rate() const { return drafted_tokens > 0 ? double(accepted_tokens) / drafted_tokens : 0; }
  // Tokens a verification step emits on average: its accepted drafts plus the corrected or
  // bonus token (1 = nothing accepted, draft + 1 = everything).
  double mean_accepted_length() const { return verify_steps > 0 ? double(accepted_tokens + verify_steps) / verify_steps : 0; }
  double prefill_tps() const { return prefill_s > 0 ? prompt_tokens / prefill_s : 0; }
  // decode tokens/s counts the tokens produced by decode steps (all but the first).
  double decode_tps() const { return decode_s > 0 && generated_tokens > 1 ? (generated_tokens - 1) / decode_s : 0; }
};

// Generates from `prompt` with `seq` (continuing at seq.length()). on_token(id) is called for
// each generated id as it is sampled; return false to stop early. Returns the generated ids.
// Throws dseek::Error for an empty prompt and what CausalLm::forward throws.
std::vector<int32_t> generate(const CausalLm& lm, LmSequence& seq, const std::vector<int32_t>& prompt,
                              const GenerateOptions& opt, const std::function<bool(int32_t)>& on_token,
                              GenerateStats* stats = nullptr);

// The same for a V3 model and its cache (continuing at cache.length).
std::vector<int32_t> generate(const Model& model, SequenceCache& cache, const std::vector<int32_t>& prompt,
                              const GenerateOptions& opt, const std::function<bool(int32_t)>& on_token,
                              GenerateStats* stats = nullptr);

}  // namespace dseek
