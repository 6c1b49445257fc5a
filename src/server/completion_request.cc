#include "server/completion_request.h"

#include "server/errors.h"
#include "server/response_format.h"

namespace dseek::server {

const std::vector<std::string_view>& completion_known_fields() {
  static const std::vector<std::string_view> f = [] {
    std::vector<std::string_view> v = {"model", "prompt", "suffix", "max_tokens", "logprobs", "echo", "best_of", "response_format"};
    v.insert(v.end(), gen_param_fields().begin(), gen_param_fields().end());
    return v;
  }();
  return f;
}

namespace {

bool is_id_list(const Json& v) {
  if (!v.is_array() || v.empty()) return false;
  for (const auto& x : v)
    if (!x.is_number_integer()) return false;
  return true;
}

CompletionPlan parse_completion_request_fields(const Json& body) {
  reject_unknown(body, completion_known_fields());
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
    throw bad_request("'suffix' (fill in the middle) is not supported", "suffix", "unsupported_parameter");
  p.echo = opt_bool(body, "echo").value_or(false);
  p.gen = parse_gen_params(body, {"max_tokens"});
  // best_of > n would rank candidates by likelihood and return the best n: not implemented.
  if (auto b = opt_integer(body, "best_of", 1, 128); b && *b != p.gen.n)
    throw bad_request("'best_of' must equal 'n' (" + std::to_string(p.gen.n) + "): ranking extra candidates is not supported",
                      "best_of", "unsupported_value");
  if (auto lp = opt_integer(body, "logprobs", 0, 5)) p.gen.top_logprobs = static_cast<int>(*lp);
  p.grammar = parse_response_format(body);
  return p;
}

}  // namespace

CompletionPlan parse_completion_request(const Json& body) {
  try {
    return parse_completion_request_fields(body);
  } catch (const nlohmann::json::exception&) {
    // A value of a type no check above expected: a 400, never the library's own text.
    throw bad_request("A field of the request holds a value of an unexpected JSON type", {}, "invalid_type");
  }
}

}  // namespace dseek::server
