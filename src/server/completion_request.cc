#include "server/completion_request.h"

#include "server/errors.h"

namespace dseek::server {

namespace {

bool is_id_list(const Json& v) {
  if (!v.is_array() || v.empty()) return false;
  for (const auto& x : v)
    if (!x.is_number_integer()) return false;
  return true;
}

}  // namespace

CompletionPlan parse_completion_request(const Json& body) {
  CompletionPlan p;
  opt_string(body, "model");
  auto it = body.find("prompt");
  if (it == body.end() || it->is_null()) throw bad_request("'prompt' is required", "prompt", "missing_required_parameter");
  Json prompt = *it;
  if (prompt.is_array() && prompt.size() == 1 && (prompt[0].is_string() || prompt[0].is_array())) prompt = Json(prompt[0]);
  if (prompt.is_string()) {
    p.prompt_text = prompt.get<std::string>();
  } else if (is_id_list(prompt)) {
    p.ids_given = true;
    for (const auto& x : prompt) {
      int64_t id = x.get<int64_t>();
      if (id < 0 || id > INT32_MAX) throw bad_request("'prompt' token id " + std::to_string(id) + " is out of range", "prompt", "invalid_value");
      p.prompt_ids.push_back(static_cast<int32_t>(id));
    }
  } else if (prompt.is_array() && prompt.size() > 1) {
    throw bad_request("'prompt' must be one prompt: batches of prompts are not supported", "prompt", "invalid_value");
  } else {
    throw bad_request("'prompt' must be a string or an array of token ids", "prompt", "invalid_type");
  }
  if (auto it2 = body.find("suffix"); it2 != body.end() && !it2->is_null())
    throw bad_request("'suffix' is not supported", "suffix", "invalid_value");
  if (auto b = opt_integer(body, "best_of", 1, INT32_MAX); b && *b != 1)
    throw bad_request("'best_of' must be 1", "best_of", "invalid_value");
  p.echo = opt_bool(body, "echo").value_or(false);
  p.gen = parse_gen_params(body, {"max_tokens"});
  if (auto lp = opt_integer(body, "logprobs", 0, 5)) p.gen.top_logprobs = static_cast<int>(*lp);
  return p;
}

}  // namespace dseek::server
