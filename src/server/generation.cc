#include "server/generation.h"

#include <algorithm>
#include <set>

#include "model/kv_cache.h"
#include "runtime/error.h"
#include "server/errors.h"

namespace dseek::server {

namespace {

void check_token_ids(const GenParams& g, int64_t vocab) {
  std::set<int32_t> banned;
  for (const auto& [id, bias] : g.opt.sampling.logit_bias) {
    if (id >= vocab)
      throw bad_request("'logit_bias' names token " + std::to_string(id) + ", but the vocabulary has ids 0.." +
                            std::to_string(vocab - 1),
                        "logit_bias", "invalid_value");
    if (bias <= -100) banned.insert(id);
  }
  if (static_cast<int64_t>(banned.size()) >= vocab)
    throw bad_request("'logit_bias' bans every token of the vocabulary", "logit_bias", "invalid_value");
  for (int32_t id : g.stop_token_ids)
    if (id >= vocab)
      throw bad_request("'stop_token_ids' holds " + std::to_string(id) + ", but the vocabulary has ids 0.." +
                            std::to_string(vocab - 1),
                        "stop_token_ids", "invalid_value");
}

// The request of one choice (sampling seed aside).
GenRequest make_request(ServerState& st, std::vector<int32_t> prompt, const GenParams& g, int default_max_tokens,
                        const std::string& prompt_param) {
  check_token_ids(g, st.engine->lm().info().vocab_size);
  const int64_t ctx = st.scheduler->ctx_size();
  const int64_t n = static_cast<int64_t>(prompt.size());
  if (n >= ctx)
    throw bad_request("This model's maximum context length is " + std::to_string(ctx) + " tokens. However, your prompt is " +
                          std::to_string(n) + " tokens (no room left to generate).",
                      prompt_param, "context_length_exceeded");
  GenRequest r;
  r.prompt = std::move(prompt);
  r.opt = g.opt;
  int64_t room = ctx - n;
  // A bounded KV cache (--kv-budget) may hold fewer tokens than the context.
  const SchedulerMetrics m = st.scheduler->metrics();
  if (m.kv_budget_tokens >= 0) {
    const int64_t kv_room = m.kv_budget_tokens - n;
    if (kv_room < 1)
      throw bad_request("This server's KV cache holds " + std::to_string(m.kv_budget_tokens) +
                            " tokens. However, your prompt is " + std::to_string(n) + " tokens.",
                        prompt_param, "context_length_exceeded");
    room = std::min(room, kv_room);
  }
  r.opt.max_tokens = static_cast<int>(std::min<int64_t>(g.opt.max_tokens > 0 ? g.opt.max_tokens : default_max_tokens, room));
  r.opt.stop_ids = stop_ids(st, g);
  r.top_logprobs = g.top_logprobs;
  r.timeout_s = st.opt.request_timeout_s;
  return r;
}

// submit(): what the scheduler refuses is the prompt's fault (400).
template <class F>
auto submitted(F&& submit, const std::string& prompt_param) {
  try {
    return submit();
  } catch (const QueueFull& e) {
    throw ApiError(503, e.what(), "server_error", {}, "server_overloaded");
  } catch (const KvCacheFull& e) {
    throw bad_request(e.what(), prompt_param, "context_length_exceeded");
  } catch (const Error& e) {
    throw bad_request(e.what(), prompt_param, "invalid_prompt");
  }
}

}  // namespace

std::vector<int32_t> stop_ids(const ServerState& st, const GenParams& g) {
  std::vector<int32_t> ids = g.stop_token_ids;
  if (!g.ignore_eos) ids.push_back(st.engine->lm().info().eos_token_id);
  return ids;
}

std::unique_ptr<SessionGroup> start_choices(ServerState& st, std::vector<int32_t> prompt, const GenParams& g,
                                            int default_max_tokens, const std::string& prompt_param) {
  GenRequest first = make_request(st, std::move(prompt), g, default_max_tokens, prompt_param);
  std::vector<GenRequest> reqs;
  for (int i = 0; i < std::max(1, g.n); ++i) {
    reqs.push_back(first);
    // Reproducible with a seed; without one, each choice draws its own random seed.
    reqs.back().opt.sampling.seed = g.seed ? choice_seed(*g.seed, i) : (i == 0 ? g.opt.sampling.seed : 0);
    reqs.back().sibling = i > 0;
  }
  return submitted([&] { return std::make_unique<SessionGroup>(*st.scheduler, std::move(reqs)); }, prompt_param);
}

std::unique_ptr<Session> start_generation(ServerState& st, std::vector<int32_t> prompt, const GenParams& g,
                                          int default_max_tokens, const std::string& prompt_param) {
  GenRequest r = make_request(st, std::move(prompt), g, default_max_tokens, prompt_param);
  return submitted([&] { return std::make_unique<Session>(*st.scheduler, std::move(r)); }, prompt_param);
}

std::optional<ApiError> finish_error(const FinishEvent& fin, bool stop_hit) {
  if (fin.reason == "error") return ApiError(500, "generation failed: " + fin.error, "server_error");
  if (fin.reason == "timeout") return ApiError(504, fin.error, "server_error", {}, "timeout");
  if (fin.reason == "cancelled" && !stop_hit)
    return ApiError(503, "the server is shutting down", "server_error", {}, "server_shutting_down");
  return std::nullopt;
}

}  // namespace dseek::server
