// `dseek bench --draft N,...`: what speculative decoding with the MTP layer costs and gains.
#pragma once
#include <string>
#include <vector>

#include "cli/bench_util.h"
#include "model/model.h"

namespace dseek::cli {

// Rows per draft count N (each carries draft, verify_cost_ratio, acceptance_rate,
// mean_accepted_length):
// - "verify:N+1" per batch and context: the step time of verifying N + 1 tokens of each of
//   `batch` sequences (one forward continuing their caches) over one decode token's step
//   (verify_cost_ratio), the MTP layer's draft step over it (mtp_cost_ratio, 0 without one),
//   and the speed-up those imply at acceptance rate a: (1 - a^(N+1)) / (1 - a) tokens a step
//   for ratio + N x mtp_cost_ratio decode steps (projected_speedup, at the acceptance measured
//   below when there is one, else at `projected_at_acceptance` 0.8).
// - "speculative" (when `samples_jsonl` is non-empty: the built-in model's held-out dialogues,
//   prompt_ids): greedy generation of every sample with --draft N and without: measured
//   acceptance rate, mean accepted length, decode tokens/s with (tokens_per_s) and without
//   (plain_tokens_per_s), speedup; medians over `repeat` passes.
void speculative_rows(const Model& model, const std::string& name, const std::vector<int64_t>& drafts,
                      const std::vector<int64_t>& batches, const std::vector<int64_t>& contexts, int repeat,
                      const std::string& samples_jsonl, Machine& m, ojson& rows);

}  // namespace dseek::cli
