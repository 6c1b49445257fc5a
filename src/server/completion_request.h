// POST /v1/completions body (a raw prompt, no chat template) -> what to generate.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "server/request_fields.h"

namespace dseek::server {

struct CompletionPlan {
  // Exactly one of the two: prompt text (tokenized as is; BOS is prepended when the text
  // does not start with the BOS marker) or prompt token ids (used as given).
  std::string prompt_text;
  std::vector<int32_t> prompt_ids;
  bool ids_given = false;
  bool echo = false;  // the returned text starts with the prompt
  GenParams gen;      // logprobs (0..5) -> gen.top_logprobs
};

// Validates: prompt (a string, a one-string array, an array of token ids, or a one-element
// array of those; batches of several prompts are rejected), echo, suffix (must be absent),
// best_of (must be 1), logprobs 0..5, plus parse_gen_params. ApiError 400 otherwise.
CompletionPlan parse_completion_request(const Json& body);

}  // namespace dseek::server
