#include "server/chat_fields.h"

#include "server/errors.h"

namespace dseek::server {

namespace {

const Json* present(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

// OpenAI's metadata: up to 16 string pairs, keys up to 64 characters, values up to 512.
void check_metadata(const Json& body) {
  const Json* m = present(body, "metadata");
  if (!m) return;
  if (!m->is_object()) throw bad_request("'metadata' must be an object of strings", "metadata", "invalid_type");
  if (m->size() > 16) throw bad_request("'metadata' may hold at most 16 pairs, got " + std::to_string(m->size()), "metadata", "invalid_value");
  for (const auto& [k, v] : m->items()) {
    if (!v.is_string()) throw bad_request("'metadata." + k + "' must be a string", "metadata." + k, "invalid_type");
    if (k.size() > 64) throw bad_request("'metadata' keys may have at most 64 characters", "metadata", "invalid_value");
    if (v.get<std::string>().size() > 512)
      throw bad_request("'metadata." + k + "' may have at most 512 characters", "metadata." + k, "invalid_value");
  }
}

void check_modalities(const Json& body) {
  const Json* m = present(body, "modalities");
  if (!m) return;
  if (!m->is_array()) throw bad_request("'modalities' must be an array of strings", "modalities", "invalid_type");
  for (const auto& x : *m) {
    if (!x.is_string()) throw bad_request("'modalities' must be an array of strings", "modalities", "invalid_type");
    if (x != "text")
      throw bad_request("'modalities' may only hold \"text\": this server generates text only", "modalities",
                        "unsupported_value");
  }
}

void check_prediction(const Json& body) {
  const Json* p = present(body, "prediction");
  if (!p) return;
  if (!p->is_object()) throw bad_request("'prediction' must be {\"type\": \"content\", \"content\": ...}", "prediction", "invalid_type");
  opt_enum(*p, "type", {"content"}, "prediction");
  if (const Json* c = present(*p, "content"); c && !c->is_string() && !c->is_array())
    throw bad_request("'prediction.content' must be a string or an array of text parts", "prediction.content", "invalid_type");
}

}  // namespace

const std::vector<std::string_view>& chat_known_fields() {
  static const std::vector<std::string_view> f = [] {
    std::vector<std::string_view> v = {
        "model", "messages", "max_tokens", "max_completion_tokens", "logprobs", "top_logprobs", "tools", "tool_choice",
        "parallel_tool_calls", "response_format", "thinking", "enable_thinking", "chat_template_kwargs",
        "reasoning_effort", "metadata", "store", "service_tier", "modalities", "prediction", "verbosity",
        "prompt_cache_key", "safety_identifier", "audio", "web_search_options", "functions", "function_call",
        "continue_final_message", "add_generation_prompt"};
    v.insert(v.end(), gen_param_fields().begin(), gen_param_fields().end());
    return v;
  }();
  return f;
}

void check_inert_chat_fields(const Json& body) {
  check_metadata(body);
  opt_bool(body, "store");  // nothing is stored: there is no stored-completions API here
  opt_enum(body, "service_tier", {"auto", "default", "flex", "scale", "priority"});  // one tier
  check_modalities(body);
  check_prediction(body);  // a latency hint: the answer does not depend on it
  opt_enum(body, "verbosity", {"low", "medium", "high"});
  opt_string(body, "prompt_cache_key");  // prefix reuse is automatic
  opt_string(body, "safety_identifier");
  for (const char* k : {"audio", "web_search_options"})
    if (present(body, k))
      throw bad_request(std::string("'") + k + "' is not supported by this server", k, "unsupported_parameter");
  for (const char* k : {"functions", "function_call"})
    if (present(body, k))
      throw bad_request(std::string("'") + k + "' (deprecated) is not supported: use 'tools' and 'tool_choice'", k,
                        "unsupported_parameter");
}

}  // namespace dseek::server
