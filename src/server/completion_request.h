// POST /v1/completions body (a raw prompt, no chat template) -> what to generate.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/grammar.h"
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
  // response_format json_schema / json_object: the grammar the text follows from its first
  // token; null otherwise.
  std::shared_ptr<const grammar::Grammar> grammar;
};

// Validates: prompt (a string, a one-string array, an array of token ids, or a one-element
// array of those; batches of several prompts are rejected), echo, suffix (must be absent),
// best_of (absent or equal to n), logprobs 0..5, response_format (parse_response_format),
// plus parse_gen_params. Any other top-level
// field: 400 unknown_parameter. ApiError 400 otherwise.
CompletionPlan parse_completion_request(const Json& body);

// Every field parse_completion_request accepts.
const std::vector<std::string_view>& completion_known_fields();

}  // namespace dseek::server
