// Typed access to the fields of an OpenAI request body, and the generation parameters the
// chat and text completion endpoints share. Every reader throws ApiError 400 naming the
// field ("param") when a known field has the wrong type or an out-of-range value; absent
// and null fields read as "not given".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chat/python_json.h"
#include "engine/generate.h"

namespace dseek::server {

using Json = chat::Json;

// Parses a request body; 400 "We could not parse the JSON body..." when it is not JSON,
// 400 when it is not an object.
Json parse_body(const std::string& text);

std::optional<double> opt_number(const Json& body, const std::string& key, double lo, double hi);
std::optional<int64_t> opt_integer(const Json& body, const std::string& key, int64_t lo, int64_t hi);
std::optional<bool> opt_bool(const Json& body, const std::string& key);
std::optional<std::string> opt_string(const Json& body, const std::string& key);

// What both completion endpoints take besides the prompt.
struct GenParams {
  GenerateOptions opt;                // max_tokens (0: not given), sampling
  std::vector<std::string> stop;      // `stop` sequences
  bool ignore_eos = false;            // extension (as vLLM): do not stop at EOS
  int top_logprobs = -1;              // -1: no logprobs; else logprobs with this many alternatives
  bool stream = false, include_usage = false;
};

// Reads max_tokens (`max_tokens_keys`, the last present wins, >= 1), temperature [0, 2],
// top_p [0, 1] (0 means greedy), top_k >= 0, min_p [0, 1], seed, stop (a string or up to
// 16 non-empty strings), n (must be 1), stream, stream_options.include_usage, ignore_eos,
// and presence/frequency_penalty ([-2, 2]; accepted, not applied). Logprobs are endpoint
// specific and left to the caller. Unset sampling fields keep SamplingParams' defaults.
GenParams parse_gen_params(const Json& body, const std::vector<std::string>& max_tokens_keys);

}  // namespace dseek::server
