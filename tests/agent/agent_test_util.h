// Helpers shared by the agent tests: temporary directories, JSONL reading and a scripted
// fake OpenAI-compatible endpoint (an httplib server on 127.0.0.1).
#pragma once
#include <httplib.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chat/chat.h"
#include "test_paths.h"

namespace dseek::agent::test {

using Json = chat::Json;

// A fresh directory under /tmp (mode 0755, like a mkdir'd project), removed with everything
// in it at the end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/dseek-agent-test-XXXXXX";
    path_ = mkdtemp(tmpl);
    std::filesystem::permissions(path_, std::filesystem::perms(0755));
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// The records of a JSONL file; with skip_bad, lines that are not JSON are left out.
inline std::vector<Json> read_jsonl(const std::string& path, bool skip_bad = false) {
  std::vector<Json> v;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (skip_bad && !Json::accept(line)) continue;
    v.push_back(Json::parse(line));
  }
  return v;
}

inline std::vector<Json> records_of(const std::vector<Json>& recs, const std::string& type) {
  std::vector<Json> v;
  for (const auto& r : recs)
    if (r["type"] == type) v.push_back(r);
  return v;
}

inline std::string mcp_server_command() {
  return "/usr/bin/python3 " + dseek::test::repo_dir() + "/tests/agent/mcp_server.py";
}

// chat.completion bodies.
inline Json tool_calls_reply(const std::vector<std::pair<std::string, Json>>& calls, const std::string& reasoning = "",
                             const std::string& content = "") {
  Json tcs = Json::array();
  int i = 0;
  for (const auto& [name, args] : calls)
    tcs.push_back({{"id", "call_fake_" + std::to_string(i++) + "_" + name},
                   {"type", "function"},
                   {"function", {{"name", name}, {"arguments", args.is_string() ? args.get<std::string>() : args.dump()}}}});
  Json msg = {{"role", "assistant"}, {"content", content}, {"tool_calls", tcs}};
  if (!reasoning.empty()) msg["reasoning_content"] = reasoning;
  return {{"id", "cmpl"}, {"object", "chat.completion"},
          {"choices", {{{"index", 0}, {"message", msg}, {"finish_reason", "tool_calls"}}}},
          {"usage", {{"prompt_tokens", 100}, {"completion_tokens", 10}}}};
}

inline Json answer_reply(const std::string& content, const std::string& reasoning = "") {
  Json msg = {{"role", "assistant"}, {"content", content}};
  if (!reasoning.empty()) msg["reasoning_content"] = reasoning;
  return {{"id", "cmpl"}, {"object", "chat.completion"},
          {"choices", {{{"index", 0}, {"message", msg}, {"finish_reason", "stop"}}}},
          {"usage", {{"prompt_tokens", 120}, {"completion_tokens", 5}}}};
}

// Answers POST /v1/chat/completions with the scripted replies in order (status, body); past
// the end of the script it answers 500. Records every request body and Authorization header.
class FakeEndpoint {
 public:
  struct Reply {
    int status;
    Json body;
  };
  explicit FakeEndpoint(std::vector<Reply> script) : script_(std::move(script)) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(Json::parse(req.body));
      auth_.push_back(req.get_header_value("Authorization"));
      if (next_ < script_.size()) {
        const Reply& r = script_[next_++];
        res.status = r.status;
        res.set_content(r.status == 200 ? r.body.dump() : std::string("{\"error\": \"scripted failure\"}"),
                        "application/json");
      } else {
        res.status = 500;
        res.set_content("{\"error\": \"script exhausted\"}", "application/json");
      }
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FakeEndpoint() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<Json> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<std::string> auth_headers() {
    std::lock_guard<std::mutex> lock(mu_);
    return auth_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Reply> script_;
  size_t next_ = 0;
  std::vector<Json> requests_;
  std::vector<std::string> auth_;
};

}  // namespace dseek::agent::test
