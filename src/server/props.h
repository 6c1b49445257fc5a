// GET /props: the server's properties in llama.cpp server's shape, limited to what dseek has:
// {"model_alias", "model_aliases", "model_path", "model_type", "chat_format", "total_slots",
//  "bos_token", "eos_token", "vocab_size", "build_info", "modalities",
//  "default_generation_settings": {"n_ctx", "params": {"n_predict", "temperature", "top_k",
//  "top_p", "min_p", "seed", "ignore_eos", "stop", "n_probs", "stream"}},
//  "max_tokens_defaults": {"chat", "thinking", "completions"}}.
// n_ctx is the context a sequence may hold (--ctx-size, or the model's maximum); the params
// are what a request that sets nothing gets (seed -1: random).
#pragma once
#include <httplib.h>

#include "server/state.h"

namespace dseek::server {

void handle_props(ServerState& st, const httplib::Request& req, httplib::Response& res);

}  // namespace dseek::server
