#include "server/chat_messages.h"

#include <algorithm>
#include <set>

#include "chat/text_parts.h"
#include "server/errors.h"

namespace dseek::server {

namespace {

std::string at(size_t i) { return "messages[" + std::to_string(i) + "]"; }

// A content value as the encoder takes it: a string (text parts joined), or null.
Json normalize_content(const Json& c, const std::string& where, bool nullable) {
  if (c.is_string()) return c;
  if (c.is_null()) {
    if (nullable) return c;
    throw bad_request(where + ".content must be a string", where + ".content", "invalid_type");
  }
  if (!c.is_array())
    throw bad_request(where + ".content must be a string or an array of text parts", where + ".content", "invalid_type");
  if (auto text = chat::join_text_parts(c)) return *text;
  const size_t k = std::find_if_not(c.begin(), c.end(), chat::is_text_part) - c.begin();
  throw bad_request(where + ".content[" + std::to_string(k) + "]: only {\"type\": \"text\", \"text\": ...} parts are supported",
                    where + ".content", "invalid_type");
}

void check_tool_calls(const Json& calls, const std::string& where) {
  if (!calls.is_array()) throw bad_request(where + ".tool_calls must be an array", where + ".tool_calls", "invalid_type");
  for (size_t k = 0; k < calls.size(); ++k) {
    const std::string w = where + ".tool_calls[" + std::to_string(k) + "]";
    const Json& c = calls[k];
    if (!c.is_object() || !c.contains("function") || !c["function"].is_object())
      throw bad_request(w + " must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}", w, "invalid_type");
    if (c.contains("id") && !c["id"].is_null() && !c["id"].is_string())
      throw bad_request(w + ".id must be a string", w + ".id", "invalid_type");
    const Json& f = c["function"];
    if (!f.contains("name") || !f["name"].is_string())
      throw bad_request(w + ".function.name must be a string", w + ".function.name", "invalid_type");
    if (!f.contains("arguments") || !f["arguments"].is_string())
      throw bad_request(w + ".function.arguments must be a string (JSON text)", w + ".function.arguments", "invalid_type");
  }
}

// Tool messages answer the assistant message before them; the V3.2 prompt lists results in
// call order, so a run of tool messages is sorted into the order of its calls' ids.
void order_tool_results(Json& msgs) {
  for (size_t i = 0; i < msgs.size();) {
    if (msgs[i]["role"] != "tool") {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < msgs.size() && msgs[end]["role"] == "tool") ++end;
    const Json* owner = i > 0 && msgs[i - 1]["role"] == "assistant" ? &msgs[i - 1] : nullptr;
    const Json* calls = owner && owner->contains("tool_calls") ? &(*owner)["tool_calls"] : nullptr;
    if (!calls || !calls->is_array() || calls->empty())
      throw bad_request(at(i) + ": a tool message must follow an assistant message with tool_calls", at(i),
                        "tool_call_mismatch");
    std::vector<std::string> ids;
    for (const auto& c : *calls) ids.push_back(c.contains("id") && c["id"].is_string() ? c["id"].get<std::string>() : "");
    const bool by_id = std::none_of(ids.begin(), ids.end(), [](const std::string& s) { return s.empty(); });
    std::vector<std::pair<size_t, Json>> ranked;
    std::set<std::string> seen;
    for (size_t k = i; k < end; ++k) {
      const std::string id = msgs[k]["tool_call_id"].get<std::string>();
      size_t rank = k - i;
      if (by_id) {
        auto it = std::find(ids.begin(), ids.end(), id);
        if (it == ids.end())
          throw bad_request(at(k) + ": tool_call_id \"" + id + "\" does not match any tool call of the assistant message " +
                                at(i - 1),
                            at(k) + ".tool_call_id", "tool_call_mismatch");
        if (!seen.insert(id).second)
          throw bad_request(at(k) + ": a second result for tool_call_id \"" + id + "\"", at(k) + ".tool_call_id",
                            "tool_call_mismatch");
        rank = static_cast<size_t>(it - ids.begin());
      }
      ranked.emplace_back(rank, std::move(msgs[k]));
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (size_t k = i; k < end; ++k) msgs[k] = std::move(ranked[k - i].second);
    i = end;
  }
}

}  // namespace

Json normalize_messages(const Json& body) {
  auto it = body.find("messages");
  if (it == body.end() || it->is_null()) throw bad_request("'messages' is required", "messages", "missing_required_parameter");
  if (!it->is_array()) throw bad_request("'messages' must be an array", "messages", "invalid_type");
  if (it->empty()) throw bad_request("'messages' must contain at least one message", "messages", "invalid_value");
  Json msgs = Json::array();
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& m = (*it)[i];
    const std::string w = at(i);
    if (!m.is_object()) throw bad_request(w + " must be an object", w, "invalid_type");
    if (!m.contains("role") || !m["role"].is_string()) throw bad_request(w + ".role must be a string", w + ".role", "invalid_type");
    const std::string role = m["role"].get<std::string>();
    // latest_reminder: DeepSeek-V4's role (the V3.2 encoder refuses it by name).
    static const std::set<std::string> roles = {"system", "developer", "user", "assistant", "tool", "latest_reminder"};
    if (!roles.count(role))
      throw bad_request(w + ": unknown role \"" + role +
                            "\" (expected system, developer, user, assistant, tool or, for DeepSeek-V4, latest_reminder)",
                        w + ".role", "invalid_value");
    Json out = m;
    out.erase("name");
    const bool nullable = role == "system" || role == "assistant" || role == "developer";
    Json content = normalize_content(m.contains("content") ? m["content"] : Json(nullptr), w, nullable);
    if (content.is_null()) content = "";
    out["content"] = content;
    if (role == "assistant") {
      if (m.contains("reasoning_content") && !m["reasoning_content"].is_null() && !m["reasoning_content"].is_string())
        throw bad_request(w + ".reasoning_content must be a string", w + ".reasoning_content", "invalid_type");
      if (m.contains("tool_calls") && !m["tool_calls"].is_null()) check_tool_calls(m["tool_calls"], w);
      if (m.contains("tool_calls") && (m["tool_calls"].is_null() || m["tool_calls"].empty())) out.erase("tool_calls");
      if (m.contains("reasoning_content") && m["reasoning_content"].is_null()) out.erase("reasoning_content");
    }
    if (role == "tool" && (!m.contains("tool_call_id") || !m["tool_call_id"].is_string()))
      throw bad_request(w + ".tool_call_id must be a string", w + ".tool_call_id", "invalid_type");
    msgs.push_back(std::move(out));
  }
  order_tool_results(msgs);
  return msgs;
}

}  // namespace dseek::server
