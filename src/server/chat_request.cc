#include "server/chat_request.h"

#include "engine/local_engine.h"
#include "runtime/error.h"
#include "server/chat_messages.h"
#include "server/errors.h"

namespace dseek::server {

namespace {

Json check_tools(const Json& body) {
  auto it = body.find("tools");
  if (it == body.end() || it->is_null()) return Json::array();
  if (!it->is_array()) throw bad_request("'tools' must be an array", "tools", "invalid_type");
  for (size_t k = 0; k < it->size(); ++k) {
    const Json& t = (*it)[k];
    const std::string w = "tools[" + std::to_string(k) + "]";
    if (!t.is_object() || t.value("type", std::string("function")) != "function" || !t.contains("function") ||
        !t["function"].is_object())
      throw bad_request(w + " must be {\"type\": \"function\", \"function\": {...}}", w, "invalid_type");
    const Json& f = t["function"];
    if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty())
      throw bad_request(w + ".function.name must be a non-empty string", w + ".function.name", "invalid_type");
    if (f.contains("description") && !f["description"].is_null() && !f["description"].is_string())
      throw bad_request(w + ".function.description must be a string", w + ".function.description", "invalid_type");
    if (f.contains("parameters") && !f["parameters"].is_null() && !f["parameters"].is_object())
      throw bad_request(w + ".function.parameters must be an object", w + ".function.parameters", "invalid_type");
  }
  return *it;
}

// tool_choice -> (tools to render, forced completion prefix).
void apply_tool_choice(const Json& body, Json& tools, bool thinking, const ChatCodec& codec, std::string& forced) {
  auto it = body.find("tool_choice");
  if (it == body.end() || it->is_null()) return;
  const std::string opener = codec.forced_call_prefix();
  if (it->is_string()) {
    const std::string c = it->get<std::string>();
    if (c == "auto") return;
    if (c == "none") {
      tools = Json::array();
      return;
    }
    if (c != "required")
      throw bad_request("'tool_choice' must be \"none\", \"auto\", \"required\" or a named function", "tool_choice",
                        "invalid_value");
    if (tools.empty()) throw bad_request("'tool_choice' \"required\" needs 'tools'", "tool_choice", "invalid_value");
    if (!thinking) forced = opener;
    return;
  }
  if (!it->is_object() || !it->contains("function") || !(*it)["function"].is_object() ||
      !(*it)["function"].contains("name") || !(*it)["function"]["name"].is_string())
    throw bad_request("'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\"}}",
                      "tool_choice", "invalid_type");
  const std::string name = (*it)["function"]["name"].get<std::string>();
  Json only = Json::array();
  for (const auto& t : tools)
    if (t["function"]["name"] == name) only.push_back(t);
  if (only.empty())
    throw bad_request("'tool_choice' names function \"" + name + "\", which is not in 'tools'", "tool_choice", "invalid_value");
  // Chat mode: all tools stay in the prompt (as the model was trained) and the completion
  // starts with the named function's invoke header. Thinking mode reasons first, so the
  // prompt lists only the named tool instead.
  if (thinking)
    tools = std::move(only);
  else
    forced = codec.forced_call_prefix(name);
}

void check_response_format(const Json& body) {
  auto it = body.find("response_format");
  if (it == body.end() || it->is_null()) return;
  if (!it->is_object() || !it->contains("type") || !(*it)["type"].is_string())
    throw bad_request("'response_format' must be an object with a string 'type'", "response_format", "invalid_type");
  const std::string t = (*it)["type"].get<std::string>();
  if (t == "json_schema") {
    if (!it->contains("json_schema") || !(*it)["json_schema"].is_object())
      throw bad_request("'response_format' json_schema needs a 'json_schema' object", "response_format.json_schema",
                        "invalid_type");
  } else if (t != "text" && t != "json_object") {
    throw bad_request("'response_format.type' must be \"text\", \"json_object\" or \"json_schema\"", "response_format.type",
                      "invalid_value");
  }
}

bool parse_thinking(const Json& body) {
  if (auto it = body.find("thinking"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) throw bad_request("'thinking' must be {\"type\": \"enabled\" | \"disabled\"}", "thinking", "invalid_type");
    auto t = opt_string(*it, "type");
    if (t && *t != "enabled" && *t != "disabled")
      throw bad_request("'thinking.type' must be \"enabled\" or \"disabled\"", "thinking.type", "invalid_value");
  }
  if (auto it = body.find("chat_template_kwargs"); it != body.end() && !it->is_null() && !it->is_object())
    throw bad_request("'chat_template_kwargs' must be an object", "chat_template_kwargs", "invalid_type");
  return request_thinking(body, false);
}

}  // namespace

ChatPlan parse_chat_request(const Json& body, const ChatCodec& codec) {
  ChatPlan p;
  opt_string(body, "model");
  p.thinking = parse_thinking(body);
  p.gen = parse_gen_params(body, {"max_tokens", "max_completion_tokens"});
  const bool logprobs = opt_bool(body, "logprobs").value_or(false);
  if (auto k = opt_integer(body, "top_logprobs", 0, 20)) {
    if (!logprobs) throw bad_request("'top_logprobs' needs 'logprobs': true", "top_logprobs", "invalid_value");
    p.gen.top_logprobs = static_cast<int>(*k);
  } else if (logprobs) {
    p.gen.top_logprobs = 0;
  }

  Json msgs = normalize_messages(body);
  Json tools = check_tools(body);
  apply_tool_choice(body, tools, p.thinking, codec, p.forced_prefix);
  check_response_format(body);

  p.render_body = Json::object();
  p.render_body["messages"] = std::move(msgs);
  if (!tools.empty()) p.render_body["tools"] = std::move(tools);
  if (body.contains("response_format") && !body["response_format"].is_null())
    p.render_body["response_format"] = body["response_format"];
  // OpenAI's reasoning_effort: DeepSeek-V4's encoder knows "max" and "high"; lower levels
  // ("low", "medium", "minimal") leave its default. V3.2 has no such option.
  if (auto effort = opt_string(body, "reasoning_effort"); effort && codec.name == "v4") {
    if (*effort == "max" || *effort == "high") p.render_body["reasoning_effort"] = *effort;
    else if (*effort != "low" && *effort != "medium" && *effort != "minimal" && *effort != "none")
      throw bad_request("'reasoning_effort' must be one of max, high, medium, low, minimal, none", "reasoning_effort",
                        "invalid_value");
  }
  try {
    p.prompt = codec.render(p.render_body, p.thinking);
  } catch (const Error& e) {
    throw bad_request(e.what(), "messages", "invalid_messages");
  }
  p.prompt += p.forced_prefix;
  return p;
}

}  // namespace dseek::server
