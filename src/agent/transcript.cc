#include "agent/transcript.h"

#include <algorithm>
#include <chrono>
#include <fstream>

#include "runtime/error.h"

namespace dseek::agent {

Transcript::Transcript(const std::string& path) : path_(path) {
  f_ = std::fopen(path.c_str(), "a+");
  if (!f_) throw Error(path + ": cannot open the transcript for appending");
  // A line cut off by a crash gets its newline, so the next record starts a line of its own.
  if (std::fseek(f_, 0, SEEK_END) == 0 && std::ftell(f_) > 0 && std::fseek(f_, -1, SEEK_END) == 0 &&
      std::fgetc(f_) != '\n') {
    std::fseek(f_, 0, SEEK_END);
    std::fputc('\n', f_);
    std::fflush(f_);
  }
}

Transcript::~Transcript() {
  if (f_) std::fclose(f_);
}

void Transcript::write(Json record) {
  if (!f_) return;
  record["time"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string line = record.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fflush(f_);
}

Json assistant_message(const std::string& content, const std::string& reasoning, const Json& tool_calls) {
  Json m = {{"role", "assistant"}, {"content", content}};
  if (!reasoning.empty()) m["reasoning_content"] = reasoning;
  if (tool_calls.is_array() && !tool_calls.empty()) m["tool_calls"] = tool_calls;
  return m;
}

ResumeState load_transcript(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the transcript");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  ResumeState st;
  bool have_system = false;
  Json pending = Json::array();  // calls of the last assistant turn still without a result
  for (size_t i = 0; i < lines.size(); ++i) {
    Json r;
    try {
      r = Json::parse(lines[i]);
    } catch (const std::exception&) {
      ++st.skipped_lines;  // cut off by a crash mid-write
      continue;
    }
    const std::string where = path + ": line " + std::to_string(i + 1);
    if (!r.is_object() || !r.contains("type") || !r["type"].is_string()) throw Error(where + ": no \"type\"");
    const std::string type = r["type"];
    auto text = [&](const char* key) {
      return r.contains(key) && r[key].is_string() ? r[key].get<std::string>() : std::string();
    };
    if (type == "system") {
      if (have_system && r.value("reset", false)) {  // interactive /reset: start over
        st.messages = Json::array({{{"role", "system"}, {"content", st.system}}});
        st.task_open = false;
        pending = Json::array();
      }
      if (have_system) {
        st.records.push_back(std::move(r));
        continue;
      }
      have_system = true;
      st.system = text("content");
      st.messages.push_back({{"role", "system"}, {"content", st.system}});
    } else if (!have_system) {
      throw Error(where + ": the transcript does not start with a system record");
    } else if (type == "task") {
      st.messages.push_back({{"role", "user"}, {"content", text("content")}});
      st.task_open = true;
      ++st.tasks;
      pending = Json::array();
    } else if (type == "assistant") {
      Json calls = r.contains("tool_calls") && r["tool_calls"].is_array() ? r["tool_calls"] : Json::array();
      st.messages.push_back(assistant_message(text("content"), text("reasoning_content"), calls));
      pending = Json::array();
      for (const auto& c : calls)
        pending.push_back({{"id", c.value("id", std::string())}, {"name", c["function"].value("name", std::string())}});
    } else if (type == "tool_result") {
      const std::string id = text("tool_call_id");
      auto it = std::find_if(pending.begin(), pending.end(), [&](const Json& c) { return c["id"] == id; });
      if (it == pending.end()) throw Error(where + ": a tool result for " + id + ", which is not an open call");
      pending.erase(it);
      st.messages.push_back({{"role", "tool"}, {"tool_call_id", id}, {"content", text("content")}});
    } else if (type == "final") {
      st.last_stop_reason = text("stop_reason");
      st.task_open = st.last_stop_reason != "answered";  // stopped by a budget, Ctrl-C, an error
    }
    st.records.push_back(std::move(r));
  }
  if (!have_system) throw Error(path + ": empty transcript (no system record)");
  st.unanswered_calls = pending;
  return st;
}

}  // namespace dseek::agent
