// Tool messages merged into user turns, tool results in call order, dropped reasoning.
#include "chat/v4/preprocess.h"

#include <algorithm>
#include <utility>

#include "runtime/error.h"

namespace dseek::chat::v4::detail {
namespace {

const std::string& role_of(const Json& msg) { return msg.at("role").get_ref<const std::string&>(); }

// A content block's optional string field ("type", "text").
void check_block_string(const Json& block, const char* key, const std::string& where) {
  auto it = block.find(key);
  if (it != block.end() && !it->is_null() && !it->is_string()) {
    throw Error(where + ": a content block's \"" + key + "\" must be a string");
  }
}

// The tool message's content: a string, or a list of content blocks (text blocks shown,
// others as "[Unsupported TYPE]" when rendered).
Json tool_content(const Json& msg, const std::string& where) {
  auto it = msg.find("content");
  if (it == msg.end()) return "";
  if (it->is_string()) return *it;
  if (!it->is_array()) throw Error(where + ": tool content must be a string or a list of content blocks");
  for (const Json& b : *it) {
    if (!b.is_object()) throw Error(where + ": each tool content block must be a JSON object");
    check_block_string(b, "type", where);
    check_block_string(b, "text", where);
  }
  return *it;
}

std::string user_content(const Json& msg, const std::string& where) {
  auto it = msg.find("content");
  if (it == msg.end()) return "";
  if (!it->is_string()) throw Error(where + ": user content must be a string (list content is not supported)");
  return it->get<std::string>();
}

bool is_merged_user(const std::vector<Turn>& merged) {
  return !merged.empty() && role_of(merged.back().msg) == "user";
}

// The id a tool call is answered by: "id", else "function"."id" (Python's `or`).
Json call_id(const Json& call) {
  if (!call.is_object()) return nullptr;
  if (auto it = call.find("id"); it != call.end() && py_truthy(*it)) return *it;
  auto fn = call.find("function");
  if (fn == call.end() || !fn->is_object()) return nullptr;
  auto it = fn->find("id");
  return it != fn->end() ? *it : Json();
}

}  // namespace

std::vector<Turn> merge_tool_messages(const Json& messages, const std::string& list) {
  if (!messages.is_array()) throw Error(list + " must be an array of message objects");
  std::vector<Turn> merged;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Json& msg = messages[i];
    const std::string where = list + "[" + std::to_string(i) + "]";
    if (!msg.is_object()) throw Error(where + " must be a JSON object");
    auto role = msg.find("role");
    if (role == msg.end() || !role->is_string()) throw Error(where + " has no string \"role\"");

    if (*role == "tool") {
      auto id = msg.find("tool_call_id");
      Json block = Json::object();
      block["type"] = "tool_result";
      block["tool_use_id"] = id != msg.end() ? *id : Json("");
      block["content"] = tool_content(msg, where);
      if (is_merged_user(merged)) {
        merged.back().msg["content_blocks"].push_back(std::move(block));
      } else {
        Json user = Json::object();
        user["role"] = "user";
        user["content_blocks"] = Json::array({std::move(block)});
        merged.push_back(Turn{std::move(user), where});
      }
    } else if (*role == "user") {
      Json text = Json::object();
      text["type"] = "text";
      text["text"] = user_content(msg, where);
      if (is_merged_user(merged)) {
        const Json& prev = merged.back().msg;
        auto task = prev.find("task");
        if (task == prev.end() || task->is_null()) {
          merged.back().msg["content_blocks"].push_back(std::move(text));
          continue;
        }
      }
      Json user = Json::object();
      user["role"] = "user";
      user["content"] = text["text"];
      user["content_blocks"] = Json::array({std::move(text)});
      if (auto task = msg.find("task"); task != msg.end()) user["task"] = *task;
      merged.push_back(Turn{std::move(user), where});
    } else {
      merged.push_back(Turn{msg, where});
    }
  }
  return merged;
}

void sort_tool_results(std::vector<Turn>& turns) {
  std::vector<std::pair<Json, size_t>> order;  // call id -> position (the reference's dict)
  auto position = [&order](const Json& id) -> size_t {
    for (const auto& [key, pos] : order) {
      if (key == id) return pos;
    }
    return 0;
  };
  for (Turn& t : turns) {
    const Json& msg = t.msg;
    const std::string& role = role_of(msg);
    if (role == "assistant") {
      auto calls = msg.find("tool_calls");
      if (calls == msg.end() || !py_truthy(*calls) || !calls->is_array()) continue;
      order.clear();
      for (size_t k = 0; k < calls->size(); ++k) {
        Json id = call_id((*calls)[k]);
        if (!py_truthy(id)) continue;
        auto same = std::find_if(order.begin(), order.end(), [&](const auto& e) { return e.first == id; });
        if (same != order.end()) {
          same->second = k;
        } else {
          order.emplace_back(std::move(id), k);
        }
      }
    } else if (role == "user" && msg.contains("content_blocks")) {
      Json& blocks = t.msg["content_blocks"];
      std::vector<Json> results;
      for (const Json& b : blocks) {
        if (b.value("type", "") == "tool_result") results.push_back(b);
      }
      if (results.size() < 2 || order.empty()) continue;
      std::stable_sort(results.begin(), results.end(), [&](const Json& a, const Json& b) {
        return position(a.value("tool_use_id", Json(""))) < position(b.value("tool_use_id", Json("")));
      });
      size_t next = 0;
      for (Json& b : blocks) {
        if (b.value("type", "") == "tool_result") b = std::move(results[next++]);
      }
    }
  }
}

long last_user_index(const std::vector<Turn>& turns) {
  for (long i = static_cast<long>(turns.size()) - 1; i >= 0; --i) {
    const std::string& role = role_of(turns[i].msg);
    if (role == "user" || role == "developer") return i;
  }
  return -1;
}

std::vector<Turn> drop_thinking_turns(const std::vector<Turn>& turns) {
  const long last_user = last_user_index(turns);
  std::vector<Turn> out;
  for (long i = 0; i < static_cast<long>(turns.size()); ++i) {
    const std::string& role = role_of(turns[i].msg);
    bool keep = role == "user" || role == "system" || role == "tool" || role == "latest_reminder" ||
                role == "direct_search_results" || i >= last_user;
    if (keep) {
      out.push_back(turns[i]);
    } else if (role == "assistant") {
      Turn t = turns[i];
      t.msg.erase("reasoning_content");
      out.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace dseek::chat::v4::detail
