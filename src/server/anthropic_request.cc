#include "server/anthropic_request.h"

#include <algorithm>
#include <set>

#include "server/errors.h"

namespace dseek::server {

namespace {

using Keys = std::set<std::string>;

std::string join(const Keys& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
  return s;
}

// Anthropic refuses fields it does not know; so does this route, naming the field.
void only_keys(const Json& obj, const Keys& keys, const std::string& where) {
  for (const auto& [k, v] : obj.items())
    if (!keys.count(k)) {
      const std::string f = where.empty() ? k : where + "." + k;
      throw bad_request(f + ": unknown or unsupported field (supported here: " + join(keys) + ")", f, "invalid_value");
    }
}

const Json* field(const Json& obj, const std::string& key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string need_string(const Json& obj, const std::string& key, const std::string& where) {
  const Json* v = field(obj, key);
  const std::string f = where.empty() ? key : where + "." + key;
  if (!v) throw bad_request(f + ": field required", f, "missing_required_parameter");
  if (!v->is_string()) throw bad_request(f + " must be a string", f, "invalid_type");
  return v->get<std::string>();
}

std::string block_type(const Json& b, const std::string& where) {
  if (!b.is_object()) throw bad_request(where + " must be a content block object", where, "invalid_type");
  return need_string(b, "type", where);
}

// A text block {"type": "text", "text", "cache_control"?, "citations"?}; returns its text.
std::string text_block(const Json& b, const std::string& where) {
  only_keys(b, {"type", "text", "cache_control", "citations"}, where);
  return need_string(b, "text", where);
}

// A string, or text blocks joined with "\n" (system prompts, tool results).
std::string text_content(const Json& c, const std::string& where) {
  if (c.is_string()) return c.get<std::string>();
  if (!c.is_array()) throw bad_request(where + " must be a string or an array of text blocks", where, "invalid_type");
  std::string out;
  for (size_t k = 0; k < c.size(); ++k) {
    const std::string w = where + "[" + std::to_string(k) + "]";
    const std::string t = block_type(c[k], w);
    if (t != "text") throw bad_request(w + ": block type \"" + t + "\" is not supported here (only text)", w + ".type", "invalid_value");
    if (k) out += "\n";
    out += text_block(c[k], w);
  }
  return out;
}

std::string msg_at(size_t i) { return "messages[" + std::to_string(i) + "]"; }

// The blocks of a message's content: a string is one text block.
Json blocks_of(const Json& m, const std::string& where) {
  const Json* c = field(m, "content");
  if (!c) throw bad_request(where + ".content: field required", where + ".content", "missing_required_parameter");
  if (c->is_string()) return Json::array({{{"type", "text"}, {"text", *c}}});
  if (!c->is_array()) throw bad_request(where + ".content must be a string or an array of content blocks", where + ".content", "invalid_type");
  return *c;
}

// tool_use ids of an assistant message, in order (empty for anything else).
std::vector<std::string> tool_use_ids(const Json& openai_msg) {
  std::vector<std::string> ids;
  if (openai_msg.value("role", "") == "assistant" && openai_msg.contains("tool_calls"))
    for (const auto& c : openai_msg["tool_calls"]) ids.push_back(c["id"].get<std::string>());
  return ids;
}

void add_user(const Json& m, const std::string& where, Json& out) {
  const Json blocks = blocks_of(m, where);
  const std::vector<std::string> calls = out.empty() ? std::vector<std::string>{} : tool_use_ids(out.back());
  std::set<std::string> answered;
  std::string text;
  bool has_text = false;
  for (size_t k = 0; k < blocks.size(); ++k) {
    const std::string w = where + ".content[" + std::to_string(k) + "]";
    const std::string t = block_type(blocks[k], w);
    if (t == "text") {
      if (has_text) text += "\n";
      text += text_block(blocks[k], w);
      has_text = true;
    } else if (t == "tool_result") {
      const Json& b = blocks[k];
      only_keys(b, {"type", "tool_use_id", "content", "is_error", "cache_control"}, w);
      const std::string id = need_string(b, "tool_use_id", w);
      if (std::find(calls.begin(), calls.end(), id) == calls.end())
        throw bad_request(w + ": tool_use_id \"" + id + "\" does not match a tool_use block of the assistant message before it",
                          w + ".tool_use_id", "invalid_value");
      if (!answered.insert(id).second)
        throw bad_request(w + ": a second tool_result for tool_use_id \"" + id + "\"", w + ".tool_use_id", "invalid_value");
      const Json* c = field(b, "content");
      std::string result = c ? text_content(*c, w + ".content") : "";
      const Json* err = field(b, "is_error");
      if (err && !err->is_boolean()) throw bad_request(w + ".is_error must be a boolean", w + ".is_error", "invalid_type");
      // The DeepSeek formats have no error flag for a tool result: the model reads it in the text.
      if (err && err->get<bool>()) result = "Error: " + result;
      out.push_back({{"role", "tool"}, {"tool_call_id", id}, {"content", result}});
    } else {
      throw bad_request(w + ": block type \"" + t + "\" is not supported in user messages (text, tool_result)", w + ".type",
                        "invalid_value");
    }
  }
  if (has_text || answered.empty()) out.push_back({{"role", "user"}, {"content", text}});
}

void add_assistant(const Json& m, const std::string& where, Json& out) {
  const Json blocks = blocks_of(m, where);
  std::string content, reasoning;
  Json calls = Json::array();
  std::set<std::string> ids;
  for (size_t k = 0; k < blocks.size(); ++k) {
    const std::string w = where + ".content[" + std::to_string(k) + "]";
    const std::string t = block_type(blocks[k], w);
    const Json& b = blocks[k];
    if (t == "text") {
      content += text_block(b, w);
    } else if (t == "thinking") {
      only_keys(b, {"type", "thinking", "signature", "cache_control"}, w);
      reasoning += need_string(b, "thinking", w);
      if (const Json* s = field(b, "signature"); s && !s->is_string())
        throw bad_request(w + ".signature must be a string", w + ".signature", "invalid_type");
    } else if (t == "tool_use") {
      only_keys(b, {"type", "id", "name", "input", "cache_control"}, w);
      const std::string id = need_string(b, "id", w);
      const std::string name = need_string(b, "name", w);
      const Json* input = field(b, "input");
      if (!input || !input->is_object()) throw bad_request(w + ".input must be an object", w + ".input", "invalid_type");
      if (!ids.insert(id).second) throw bad_request(w + ": a second tool_use with id \"" + id + "\"", w + ".id", "invalid_value");
      calls.push_back({{"id", id}, {"type", "function"}, {"function", {{"name", name}, {"arguments", input->dump()}}}});
    } else {
      throw bad_request(w + ": block type \"" + t + "\" is not supported in assistant messages (text, thinking, tool_use)",
                        w + ".type", "invalid_value");
    }
  }
  Json msg = {{"role", "assistant"}, {"content", content}};
  if (!reasoning.empty()) msg["reasoning_content"] = reasoning;
  if (!calls.empty()) msg["tool_calls"] = std::move(calls);
  out.push_back(std::move(msg));
}

Json convert_messages(const Json& body) {
  const Json* ms = field(body, "messages");
  if (!ms) throw bad_request("messages: field required", "messages", "missing_required_parameter");
  if (!ms->is_array()) throw bad_request("messages must be an array", "messages", "invalid_type");
  if (ms->empty()) throw bad_request("messages: at least one message is required", "messages", "invalid_value");
  Json out = Json::array();
  if (const Json* sys = field(body, "system")) {
    std::string s = text_content(*sys, "system");
    if (!s.empty()) out.push_back({{"role", "system"}, {"content", std::move(s)}});
  }
  for (size_t i = 0; i < ms->size(); ++i) {
    const Json& m = (*ms)[i];
    const std::string w = msg_at(i);
    if (!m.is_object()) throw bad_request(w + " must be an object", w, "invalid_type");
    only_keys(m, {"role", "content"}, w);
    const std::string role = need_string(m, "role", w);
    if (role == "user")
      add_user(m, w, out);
    else if (role == "assistant")
      add_assistant(m, w, out);
    else
      throw bad_request(w + ".role must be \"user\" or \"assistant\", got \"" + role + "\"", w + ".role", "invalid_value");
  }
  if ((*ms).back()["role"] != "user")
    throw bad_request(msg_at(ms->size() - 1) +
                          ": the last message must be a user message (continuing an assistant turn is not supported)",
                      msg_at(ms->size() - 1) + ".role", "invalid_value");
  return out;
}

Json convert_tools(const Json& body, std::set<std::string>& names) {
  Json out = Json::array();
  const Json* ts = field(body, "tools");
  if (!ts) return out;
  if (!ts->is_array()) throw bad_request("tools must be an array", "tools", "invalid_type");
  for (size_t k = 0; k < ts->size(); ++k) {
    const std::string w = "tools[" + std::to_string(k) + "]";
    const Json& t = (*ts)[k];
    if (!t.is_object()) throw bad_request(w + " must be an object", w, "invalid_type");
    if (const Json* type = field(t, "type"); type && *type != "custom")
      throw bad_request(w + ": tool type " + type->dump() + " is not supported (only client tools: name, description, input_schema)",
                        w + ".type", "invalid_value");
    only_keys(t, {"type", "name", "description", "input_schema", "cache_control"}, w);
    const std::string name = need_string(t, "name", w);
    if (name.empty()) throw bad_request(w + ".name must not be empty", w + ".name", "invalid_value");
    if (!names.insert(name).second) throw bad_request(w + ": a second tool named \"" + name + "\"", w + ".name", "invalid_value");
    const Json* schema = field(t, "input_schema");
    if (!schema) throw bad_request(w + ".input_schema: field required", w + ".input_schema", "missing_required_parameter");
    if (!schema->is_object()) throw bad_request(w + ".input_schema must be an object", w + ".input_schema", "invalid_type");
    Json fn = {{"name", name}};
    if (const Json* d = field(t, "description")) {
      if (!d->is_string()) throw bad_request(w + ".description must be a string", w + ".description", "invalid_type");
      fn["description"] = *d;
    }
    fn["parameters"] = *schema;
    out.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  return out;
}

Json convert_tool_choice(const Json& tc, const std::set<std::string>& names) {
  if (!tc.is_object()) throw bad_request("tool_choice must be an object {\"type\": ...}", "tool_choice", "invalid_type");
  const std::string type = need_string(tc, "type", "tool_choice");
  if (const Json* p = field(tc, "disable_parallel_tool_use"); p && !p->is_boolean())
    throw bad_request("tool_choice.disable_parallel_tool_use must be a boolean", "tool_choice.disable_parallel_tool_use",
                      "invalid_type");
  if (type == "auto" || type == "none") {
    only_keys(tc, {"type", "disable_parallel_tool_use"}, "tool_choice");
    return type;
  }
  if (type == "any") {
    only_keys(tc, {"type", "disable_parallel_tool_use"}, "tool_choice");
    if (names.empty()) throw bad_request("tool_choice {\"type\": \"any\"} needs tools", "tool_choice", "invalid_value");
    return "required";
  }
  if (type == "tool") {
    only_keys(tc, {"type", "name", "disable_parallel_tool_use"}, "tool_choice");
    const std::string name = need_string(tc, "name", "tool_choice");
    if (!names.count(name))
      throw bad_request("tool_choice names tool \"" + name + "\", which is not in tools", "tool_choice.name", "invalid_value");
    return {{"type", "function"}, {"function", {{"name", name}}}};
  }
  throw bad_request("tool_choice.type must be \"auto\", \"any\", \"tool\" or \"none\", got \"" + type + "\"", "tool_choice.type",
                    "invalid_value");
}

// {"type": "enabled", "budget_tokens"} / {"type": "adaptive"} -> true; "disabled" -> false.
bool convert_thinking(const Json& th) {
  if (!th.is_object()) throw bad_request("thinking must be an object {\"type\": ...}", "thinking", "invalid_type");
  const std::string type = need_string(th, "type", "thinking");
  if (type == "disabled" || type == "adaptive") {
    only_keys(th, {"type"}, "thinking");
    return type == "adaptive";
  }
  if (type != "enabled")
    throw bad_request("thinking.type must be \"enabled\", \"adaptive\" or \"disabled\", got \"" + type + "\"", "thinking.type",
                      "invalid_value");
  only_keys(th, {"type", "budget_tokens"}, "thinking");
  if (!field(th, "budget_tokens"))
    throw bad_request("thinking.budget_tokens: field required", "thinking.budget_tokens", "missing_required_parameter");
  // Anthropic's minimum; the budget itself is not enforced (the model closes its reasoning).
  try {
    opt_integer(th, "budget_tokens", 1024, INT32_MAX);
  } catch (const ApiError& e) {
    throw bad_request(std::string("thinking.") + e.what(), "thinking.budget_tokens", e.code());
  }
  return true;
}

}  // namespace

Json anthropic_to_openai(const Json& body, bool count_only) {
  only_keys(body, {"model", "max_tokens", "messages", "system", "tools", "tool_choice", "thinking", "temperature", "top_p", "top_k",
                   "stop_sequences", "stream", "metadata"},
            "");
  Json out = Json::object();
  out["model"] = need_string(body, "model", "");
  if (!count_only && !field(body, "max_tokens"))
    throw bad_request("max_tokens: field required", "max_tokens", "missing_required_parameter");
  if (auto n = opt_integer(body, "max_tokens", 1, INT32_MAX)) out["max_tokens"] = *n;
  if (auto t = opt_number(body, "temperature", 0, 1)) out["temperature"] = *t;
  if (auto p = opt_number(body, "top_p", 0, 1)) out["top_p"] = *p;
  if (auto k = opt_integer(body, "top_k", 0, INT32_MAX)) out["top_k"] = *k;
  opt_bool(body, "stream");
  if (const Json* md = field(body, "metadata")) {
    if (!md->is_object()) throw bad_request("metadata must be an object", "metadata", "invalid_type");
    only_keys(*md, {"user_id"}, "metadata");
    if (const Json* u = field(*md, "user_id"); u && !u->is_string())
      throw bad_request("metadata.user_id must be a string", "metadata.user_id", "invalid_type");
  }
  out["messages"] = convert_messages(body);
  std::set<std::string> names;
  Json tools = convert_tools(body, names);
  if (const Json* tc = field(body, "tool_choice")) out["tool_choice"] = convert_tool_choice(*tc, names);
  if (!tools.empty()) out["tools"] = std::move(tools);
  if (const Json* th = field(body, "thinking"))
    out["thinking"] = {{"type", convert_thinking(*th) ? "enabled" : "disabled"}};
  return out;
}

AnthropicPlan parse_anthropic_request(const Json& body, const ChatCodec& codec, bool count_only) {
  AnthropicPlan p;
  p.openai_body = anthropic_to_openai(body, count_only);
  std::vector<std::string> stops;
  if (const Json* ss = field(body, "stop_sequences")) {
    if (!ss->is_array()) throw bad_request("stop_sequences must be an array of strings", "stop_sequences", "invalid_type");
    if (ss->size() > 64) throw bad_request("stop_sequences may hold at most 64 sequences", "stop_sequences", "invalid_value");
    for (const auto& s : *ss) {
      if (!s.is_string() || s.get<std::string>().empty())
        throw bad_request("stop_sequences must hold non-empty strings", "stop_sequences", "invalid_value");
      stops.push_back(s.get<std::string>());
    }
  }
  p.chat = parse_chat_request(p.openai_body, codec);
  p.chat.gen.stop = std::move(stops);
  p.stream = !count_only && opt_bool(body, "stream").value_or(false);
  p.chat.gen.stream = p.stream;
  if (const Json* tc = field(body, "tool_choice"); tc && tc->value("disable_parallel_tool_use", false)) p.max_tool_uses = 1;
  return p;
}

}  // namespace dseek::server
