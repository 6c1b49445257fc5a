#include "server/chat_request.h"

#include "runtime/error.h"
#include "server/chat_fields.h"
#include "server/chat_messages.h"
#include "server/chat_prefill.h"
#include "server/errors.h"
#include "server/response_format.h"

namespace dseek::server {

namespace {

Json check_tools(const Json& body) {
  auto it = body.find("tools");
  if (it == body.end() || it->is_null()) return Json::array();
  if (!it->is_array()) throw bad_request("'tools' must be an array", "tools", "invalid_type");
  for (size_t k = 0; k < it->size(); ++k) {
    const Json& t = (*it)[k];
    const std::string w = "tools[" + std::to_string(k) + "]";
    if (!t.is_object() || (t.contains("type") && !t["type"].is_null() && t["type"] != "function") || !t.contains("function") ||
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

// The thinking switches: DeepSeek's `thinking.type`, top-level `enable_thinking`, and
// chat_template_kwargs' `thinking` / `enable_thinking`. Off when none is given; any two that
// disagree are a 400 naming the later one.
bool parse_thinking(const Json& body) {
  struct Switch {
    std::string name, shown;
    bool on;
  };
  std::vector<Switch> given;
  auto flag = [&](const Json& obj, const std::string& key, const std::string& parent) {
    if (auto b = opt_bool(obj, key, parent)) given.push_back({parent.empty() ? key : parent + "." + key, *b ? "true" : "false", *b});
  };
  if (auto it = body.find("thinking"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) throw bad_request("'thinking' must be {\"type\": \"enabled\" | \"disabled\"}", "thinking", "invalid_type");
    reject_unknown(*it, {"type"}, "thinking");
    if (auto t = opt_enum(*it, "type", {"enabled", "disabled"}, "thinking"))
      given.push_back({"thinking.type", "\"" + *t + "\"", *t == "enabled"});
  }
  flag(body, "enable_thinking", "");
  if (auto it = body.find("chat_template_kwargs"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) throw bad_request("'chat_template_kwargs' must be an object", "chat_template_kwargs", "invalid_type");
    for (const auto& [key, _] : it->items())
      if (key != "thinking" && key != "enable_thinking")
        throw bad_request("'chat_template_kwargs." + key + "' is not a template option of this server (known: thinking, enable_thinking)",
                          "chat_template_kwargs." + key, "unknown_parameter");
    flag(*it, "thinking", "chat_template_kwargs");
    flag(*it, "enable_thinking", "chat_template_kwargs");
  }
  for (size_t i = 1; i < given.size(); ++i)
    if (given[i].on != given[0].on)
      throw bad_request("'" + given[i].name + "' (" + given[i].shown + ") conflicts with '" + given[0].name + "' (" +
                            given[0].shown + ")",
                        given[i].name, "invalid_value");
  return !given.empty() && given[0].on;
}

ChatPlan parse_chat_request_fields(const Json& body, const ChatCodec& codec) {
  reject_unknown(body, chat_known_fields());
  check_inert_chat_fields(body);
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
  p.parallel_tool_calls = opt_bool(body, "parallel_tool_calls").value_or(true);

  Json msgs = normalize_messages(body);
  const PromptEnd end = parse_prompt_end(body, msgs);
  Json tools = check_tools(body);
  if (!codec.tool_calls && !tools.empty())  // DeepSeek-V3.2-Speciale was not trained to call tools
    throw bad_request("model '" + opt_string(body, "model").value_or("") +
                          "' is DeepSeek-V3.2-Speciale, which does not support tool calling: send the request without 'tools'",
                      "tools", "invalid_value");
  apply_tool_choice(body, tools, p.thinking, codec, p.forced_prefix);
  if (end != PromptEnd::Open && !p.forced_prefix.empty())
    throw bad_request("'tool_choice' forcing a tool call needs a new assistant turn: it cannot be combined with "
                      "continuing the final message or 'add_generation_prompt': false",
                      "tool_choice", "invalid_value");
  // Validated (and compiled) even when a forced tool call leaves it unused.
  p.grammar = parse_response_format(body);
  if (!p.forced_prefix.empty()) p.grammar = nullptr;  // the completion is the forced call, not JSON
  if (end == PromptEnd::Open) {
    p.calls = parse_tool_constraint(body, tools, codec, p.parallel_tool_calls);
    if (p.calls.required) p.grammar = nullptr;  // the answer is the call (thinking mode too)
    else if (p.grammar) p.calls = {};           // a JSON answer has no room for a block
  }
  if (p.grammar && end != PromptEnd::Open)  // the grammar starts at an answer's first byte
    throw bad_request("'response_format' constrains a new answer: it cannot be combined with continuing the final "
                      "message or 'add_generation_prompt': false",
                      "response_format", "invalid_value");

  for (const auto& t : tools) p.offered_tools.push_back(t["function"]["name"].get<std::string>());
  p.render_body = Json::object();
  p.render_body["messages"] = std::move(msgs);
  if (!tools.empty()) p.render_body["tools"] = std::move(tools);
  if (body.contains("response_format") && !body["response_format"].is_null())
    p.render_body["response_format"] = body["response_format"];
  // OpenAI's reasoning_effort: DeepSeek-V4's encoder knows "max" and "high"; lower levels
  // leave its default. V3.2's format has no effort levels: validated, no effect.
  if (auto effort = opt_enum(body, "reasoning_effort", {"max", "high", "medium", "low", "minimal", "none"});
      effort && codec.name == "v4" && (*effort == "max" || *effort == "high"))
    p.render_body["reasoning_effort"] = *effort;
  try {
    if (end == PromptEnd::Continue) {
      chat::Continuation c = codec.render_continuation(p.render_body, p.thinking);
      p.prompt = std::move(c.prompt);
      p.thinking = c.in_reasoning;  // the completion goes on with the reasoning, or with the content
      return p;
    }
    if (end == PromptEnd::Bare) {
      p.prompt = codec.render_without_generation_prompt(p.render_body, p.thinking);
      p.thinking = false;  // no opening, so no reasoning to parse: the completion is content
      return p;
    }
    p.prompt = codec.render(p.render_body, p.thinking);
  } catch (const Error& e) {
    throw bad_request(e.what(), "messages", "invalid_messages");
  } catch (const nlohmann::json::exception&) {
    // A value of an unexpected JSON type deep in a message or tool; never the library's text.
    throw bad_request("The conversation could not be rendered: a message or tool holds a value of an unexpected type",
                      "messages", "invalid_messages");
  }
  p.thinking = codec.completion_thinking(p.prompt, p.thinking);  // V3: never; V3.1: only after "<think>"
  p.prompt += p.forced_prefix;
  return p;
}

}  // namespace

ChatPlan parse_chat_request(const Json& body, const ChatCodec& codec) {
  try {
    return parse_chat_request_fields(body, codec);
  } catch (const nlohmann::json::exception&) {
    // A value of a type no check above expected: a 400, never the library's own text.
    throw bad_request("A field of the request holds a value of an unexpected JSON type", {}, "invalid_type");
  }
}

}  // namespace dseek::server
