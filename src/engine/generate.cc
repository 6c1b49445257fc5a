#include "engine/generate.h"

#include <algorithm>

#include "runtime/error.h"

namespace dseek {

std::vector<int32_t> generate(const Model& model, SequenceCache& cache, const std::vector<int32_t>& prompt,
                              const GenerateOptions& opt, const std::function<bool(int32_t)>& on_token,
                              GenerateStats* stats) {
  using clock = std::chrono::steady_clock;
  if (prompt.empty()) throw Error("generate: empty prompt");
  const int64_t V = model.config().vocab_size;
  Sampler sampler(opt.sampling);
  std::vector<int32_t> out;
  GenerateStats st;
  st.prompt_tokens = static_cast<int64_t>(prompt.size());
  std::vector<SequenceCache*> caches{&cache};
  Batch b;
  b.tokens = prompt;
  b.seq.assign(prompt.size(), 0);
  auto t0 = clock::now();
  ForwardResult r = model.forward(b, caches, false);
  st.prefill_s = std::chrono::duration<double>(clock::now() - t0).count();
  auto t1 = clock::now();
  while (static_cast<int>(out.size()) < opt.max_tokens) {
    int32_t id = sampler.sample(r.logits.data(), V);
    out.push_back(id);
    bool stop = std::find(opt.stop_ids.begin(), opt.stop_ids.end(), id) != opt.stop_ids.end();
    if (!on_token(id)) break;
    if (stop) {
      st.stopped_on_stop_id = true;
      break;
    }
    if (static_cast<int>(out.size()) >= opt.max_tokens) break;
    if (cache.length + 1 > model.config().max_position_embeddings) break;
    b.tokens = {id};
    b.seq = {0};
    r = model.forward(b, caches, false);
  }
  st.decode_s = std::chrono::duration<double>(clock::now() - t1).count();
  st.generated_tokens = static_cast<int64_t>(out.size());
  if (stats) *stats = st;
  return out;
}

}  // namespace dseek
