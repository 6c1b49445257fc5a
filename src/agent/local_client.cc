// ModelClient over the in-process LocalEngine (the V3.2 chat format, rendered and parsed by
// the chat layer).
#include <chrono>

#include "agent/client.h"
#include "engine/local_engine.h"

namespace dseek::agent {

namespace {

class LocalClient : public ModelClient {
 public:
  LocalClient(const std::string& dir, const std::string& numerics, const GenerationSettings& gen)
      : dir_(dir), numerics_(numerics), gen_(gen), engine_(dir, parse_numerics(numerics)),
        session_(engine_.lm().new_sequence()) {}

  ModelReply complete(const Json& messages, const Json& tools) override {
    Json body = {{"messages", messages}};
    if (tools.is_array() && !tools.empty()) body["tools"] = tools;
    GenerateOptions opt;
    opt.max_tokens = gen_.max_tokens;
    opt.sampling = gen_.sampling;
    const auto t0 = std::chrono::steady_clock::now();
    // Each step re-sends the growing conversation: the KV cache of the previous step is kept
    // and its common prefix reused, so only the new messages are prefilled.
    Completion c = engine_.complete(body, gen_.thinking, opt, {}, session_.get());
    ModelReply r;
    r.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.message = c.message;
    r.finish_reason = c.finish_reason;
    if (!c.parsed) r.parse_error = c.parse_error;
    r.prompt_tokens = static_cast<int64_t>(c.prompt_ids.size());
    r.completion_tokens = c.stats.generated_tokens;
    r.timings = {{"cached_prompt_tokens", c.cached_tokens}, {"prefill_s", c.stats.prefill_s}, {"decode_s", c.stats.decode_s},
                 {"prefill_tokens_per_s", c.stats.prefill_tps()}, {"decode_tokens_per_s", c.stats.decode_tps()}};
    return r;
  }

  std::string describe() const override {
    return "local " + dir_ + " (" + numerics_ + " numerics" + (gen_.thinking ? ", thinking" : "") + ")";
  }

 private:
  std::string dir_, numerics_;
  GenerationSettings gen_;
  LocalEngine engine_;
  std::unique_ptr<LmSequence> session_;
};

}  // namespace

std::unique_ptr<ModelClient> make_local_client(const std::string& model_dir, const std::string& numerics,
                                               const GenerationSettings& gen) {
  return std::make_unique<LocalClient>(model_dir, numerics, gen);
}

}  // namespace dseek::agent
