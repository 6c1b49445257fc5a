// OpenAI logprobs entries for generated tokens:
// {"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/scheduler.h"
#include "tokenizer/tokenizer.h"

namespace dseek::server {

// The raw bytes of one token: a vocab piece's bytes (byte-level BPE undone), an added
// token's text. Empty for an id with no token.
std::string token_bytes(const Tokenizer& tok, int32_t id);

// One entry of choices[].logprobs.content for a sampled token; `top` alternatives as asked.
nlohmann::json logprob_entry(const Tokenizer& tok, const TokenEvent& ev, bool with_top);

}  // namespace dseek::server
