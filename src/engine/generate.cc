#include "engine/generate.h"

#include <algorithm>

#include "engine/speculative.h"
#include "runtime/error.h"

namespace dseek {

std::vector<int32_t> generate(const CausalLm& lm, LmSequence& seq, const std::vector<int32_t>& prompt,
                              const GenerateOptions& opt, const std::function<bool(int32_t)>& on_token,
                              GenerateStats* stats) {
  using clock = std::chrono::steady_clock;
  if (opt.draft != 0) return generate_speculative(lm, seq, prompt, opt, on_token, stats);
  if (prompt.empty()) throw Error("generate: empty prompt");
  const int64_t V = lm.info().vocab_size;
  Sampler sampler(opt.sampling);
  sampler.set_prompt(prompt);
  if (opt.constraint) sampler.set_constraint(opt.constraint(opt.stop_ids));
  std::vector<int32_t> out;
  GenerateStats st;
  st.prompt_tokens = static_cast<int64_t>(prompt.size());
  auto t0 = clock::now();
  // Long prompts go in chunks: activations and attention scratch stay bounded, and later
  // chunks attend to the cache.
  const size_t kChunk = 2048;
  std::vector<float> logits;
  for (size_t p0 = 0; p0 < prompt.size(); p0 += kChunk) {
    const size_t n = std::min(kChunk, prompt.size() - p0);
    logits = lm.forward(seq, std::vector<int32_t>(prompt.begin() + static_cast<int64_t>(p0),
                                                  prompt.begin() + static_cast<int64_t>(p0 + n)), false);
  }
  st.prefill_s = std::chrono::duration<double>(clock::now() - t0).count();
  auto t1 = clock::now();
  while (static_cast<int>(out.size()) < opt.max_tokens) {
    int32_t id = sampler.sample(logits.data(), V);
    out.push_back(id);
    bool stop = std::find(opt.stop_ids.begin(), opt.stop_ids.end(), id) != opt.stop_ids.end() || sampler.constraint_done();
    if (!on_token(id)) break;
    if (stop) {
      st.stopped_on_stop_id = true;
      break;
    }
    if (static_cast<int>(out.size()) >= opt.max_tokens) break;
    if (seq.length() + 1 > lm.info().max_positions) break;
    logits = lm.forward(seq, {id}, false);
  }
  st.decode_s = std::chrono::duration<double>(clock::now() - t1).count();
  st.generated_tokens = static_cast<int64_t>(out.size());
  if (stats) *stats = st;
  return out;
}

std::vector<int32_t> generate(const Model& model, SequenceCache& cache, const std::vector<int32_t>& prompt,
                              const GenerateOptions& opt, const std::function<bool(int32_t)>& on_token,
                              GenerateStats* stats) {
  auto lm = CausalLm::borrow(model);
  auto seq = v3_sequence(std::move(cache));
  struct GiveBack {  // the cache returns to the caller also when generation throws
    LmSequence& s;
    SequenceCache& c;
    ~GiveBack() { c = std::move(*s.v3_cache()); }
  } give_back{*seq, cache};
  return generate(*lm, *seq, prompt, opt, on_token, stats);
}

}  // namespace dseek
