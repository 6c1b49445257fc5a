#include "server/generation.h"

#include <algorithm>

#include "model/kv_cache.h"
#include "runtime/error.h"
#include "server/errors.h"

namespace dseek::server {

std::vector<int32_t> stop_ids(const ServerState& st, const GenParams& g) {
  if (g.ignore_eos) return {};
  return {st.engine->lm().info().eos_token_id};
}

std::unique_ptr<Session> start_generation(ServerState& st, std::vector<int32_t> prompt, const GenParams& g,
                                          int default_max_tokens, const std::string& prompt_param) {
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
  if (m.kv_blocks_capacity >= 0) {
    const int64_t kv_room = m.kv_blocks_capacity * m.kv_block_tokens - n;
    if (kv_room < 1)
      throw bad_request("This server's KV cache holds " + std::to_string(m.kv_blocks_capacity * m.kv_block_tokens) +
                            " tokens. However, your prompt is " + std::to_string(n) + " tokens.",
                        prompt_param, "context_length_exceeded");
    room = std::min(room, kv_room);
  }
  r.opt.max_tokens = static_cast<int>(std::min<int64_t>(g.opt.max_tokens > 0 ? g.opt.max_tokens : default_max_tokens, room));
  r.opt.stop_ids = stop_ids(st, g);
  r.top_logprobs = g.top_logprobs;
  try {
    return std::make_unique<Session>(*st.scheduler, std::move(r));
  } catch (const KvCacheFull& e) {
    throw bad_request(e.what(), prompt_param, "context_length_exceeded");
  } catch (const Error& e) {
    throw bad_request(e.what(), prompt_param, "invalid_prompt");
  }
}

std::optional<ApiError> finish_error(const FinishEvent& fin, bool stop_hit) {
  if (fin.reason == "error") return ApiError(500, "generation failed: " + fin.error, "server_error");
  if (fin.reason == "cancelled" && !stop_hit)
    return ApiError(503, "the server is shutting down", "server_error", {}, "server_shutting_down");
  return std::nullopt;
}

}  // namespace dseek::server
