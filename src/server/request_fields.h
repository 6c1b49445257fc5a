// Typed access to the fields of an OpenAI request body, and the generation parameters the
// chat and text completion endpoints share. Every reader throws ApiError 400 naming the
// field ("param") when a known field has the wrong type or an out-of-range value; absent
// and null fields read as "not given". Messages name the real bounds ("'temperature' must be
// in [0, 2], got 3") and never carry a library's exception text.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/python_json.h"
#include "engine/generate.h"

namespace dseek::server {

using Json = chat::Json;

// Parses a request body; 400 invalid_json "We could not parse the JSON body of your request:
// invalid JSON at line L, column C" when it is not JSON, 400 when it is not an object.
Json parse_body(const std::string& text);

// `key` of `obj`; errors name `parent.key` (just `key` when parent is empty).
std::optional<double> opt_number(const Json& obj, const std::string& key, double lo, double hi,
                                 const std::string& parent = {});
std::optional<int64_t> opt_integer(const Json& obj, const std::string& key, int64_t lo, int64_t hi,
                                   const std::string& parent = {});
std::optional<bool> opt_bool(const Json& obj, const std::string& key, const std::string& parent = {});
std::optional<std::string> opt_string(const Json& obj, const std::string& key, const std::string& parent = {});
// A string that must be one of `allowed` (400 invalid_value listing them).
std::optional<std::string> opt_enum(const Json& obj, const std::string& key, const std::vector<std::string>& allowed,
                                    const std::string& parent = {});

// 400 code unknown_parameter, "Unrecognized request argument supplied: K" for the first key of
// `obj` that is not in `known` (param: `parent.K`). OpenAI rejects unknown fields the same way.
void reject_unknown(const Json& obj, const std::vector<std::string_view>& known, const std::string& parent = {});

// What both completion endpoints take besides the prompt.
struct GenParams {
  GenerateOptions opt;                // max_tokens (0: not given), sampling (penalties, logit_bias)
  std::vector<std::string> stop;      // `stop` sequences
  std::vector<int32_t> stop_token_ids;  // extension (as vLLM): generation ends at these tokens (their text dropped)
  bool ignore_eos = false;            // extension (as vLLM): do not stop at EOS
  int top_logprobs = -1;              // -1: no logprobs; else logprobs with this many alternatives
  int n = 1;                          // choices
  std::optional<uint64_t> seed;       // the request's seed (choice i samples with choice_seed(seed, i))
  bool stream = false, include_usage = false;
};

// The fields parse_gen_params reads (each endpoint's table of known fields includes them).
const std::vector<std::string_view>& gen_param_fields();

// Reads max_tokens (`max_tokens_keys`; >= 1; two of them with different values: 400),
// temperature [0, 2], top_p [0, 1] (0 means greedy), top_k >= 0, min_p [0, 1], seed (any
// 64-bit integer, signed or not), n [1, 128], stop (a string or up to 16 non-empty strings),
// stop_token_ids (up to 64 ids >= 0), presence_penalty / frequency_penalty [-2, 2],
// repetition_penalty (0, 10], logit_bias ({"token id": bias in [-100, 100]}, up to 1024),
// stream, stream_options {include_usage, include_obfuscation (ignored)}, ignore_eos, user
// (a string, ignored). Token ids are checked against the vocabulary when generation starts.
// Logprobs are endpoint specific and left to the caller. Unset sampling fields keep
// SamplingParams' defaults.
GenParams parse_gen_params(const Json& body, const std::vector<std::string>& max_tokens_keys);

// The sampler seed of choice i of a request with `seed`: seed + i (mod 2^64), so choice 0 is
// the request with n = 1; a result of 0 (the sampler's "random") becomes 0x9E3779B97F4A7C15.
uint64_t choice_seed(uint64_t seed, int i);

}  // namespace dseek::server
