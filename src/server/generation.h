// Starting the generation of a request on the scheduler.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/errors.h"
#include "server/request_fields.h"
#include "server/session.h"
#include "server/session_group.h"
#include "server/state.h"

namespace dseek::server {

// Submits `prompt` with the request's parameters. max_tokens: as asked, else
// `default_max_tokens`; either way at most what the context (and a bounded KV cache)
// leaves after the prompt.
// Generation stops at EOS unless ignore_eos. ApiError 400 (code context_length_exceeded)
// when the prompt leaves no room in the context or the KV cache; 400 for other prompts the scheduler
// refuses (e.g. a token id out of range).
// Token ids of logit_bias and stop_token_ids must be in the vocabulary (400 naming the field),
// and logit_bias may not ban every token.
std::unique_ptr<Session> start_generation(ServerState& st, std::vector<int32_t> prompt, const GenParams& g,
                                          int default_max_tokens, const std::string& prompt_param);

// The same for all `g.n` choices of a request: choice i is its own scheduler sequence on the
// same prompt, sampling with choice_seed(*g.seed, i) when the request has a seed (else a
// random seed each).
std::unique_ptr<SessionGroup> start_choices(ServerState& st, std::vector<int32_t> prompt, const GenParams& g,
                                            int default_max_tokens, const std::string& prompt_param);

// The stop token ids a request's generation ends at: EOS (unless ignore_eos) and
// stop_token_ids.
std::vector<int32_t> stop_ids(const ServerState& st, const GenParams& g);

// The error of a generation that did not finish normally: 500 when the forward pass
// failed, 503 when it was cancelled by a server shutdown (a cancel after a `stop`
// sequence, `stop_hit`, is a normal end). nullopt when it finished normally.
std::optional<ApiError> finish_error(const FinishEvent& fin, bool stop_hit);

}  // namespace dseek::server
