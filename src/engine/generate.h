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
#include "model/model.h"

namespace dseek {

struct GenerateOptions {
  int max_tokens = 512;
  SamplingParams sampling;
  std::vector<int32_t> stop_ids;  // generation ends after emitting one of these (EOS by default)
};

struct GenerateStats {
  int64_t prompt_tokens = 0, generated_tokens = 0;
  double prefill_s = 0, decode_s = 0;
  bool stopped_on_stop_id = false;  // false: ran into max_tokens
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
