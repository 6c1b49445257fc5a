// Shared helpers of the server tests: an in-process server on a free loopback port, a
// `dseek serve` child process, and a small SSE client that assembles a stream the way
// OpenAI clients do.
#pragma once
#include <gtest/gtest.h>
#include <httplib.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server/server.h"
#include "test_paths.h"

namespace dseek::server::test {

using nlohmann::json;

inline std::string model_dir() { return dseek::test::repo_dir() + "/models/nano-agent"; }

inline json nano_tools() {
  std::ifstream in(model_dir() + "/tools.json");
  return json::parse(in);
}

// A Server running on its own thread (port 0), stopped and joined on destruction.
class LiveServer {
 public:
  explicit LiveServer(ServerOptions o = {}) {
    if (o.model_dir.empty()) o.model_dir = model_dir();
    o.port = 0;
    srv_ = std::make_unique<Server>(o);
    port_ = srv_->bind();
    thread_ = std::thread([this] { srv_->run(); });
  }
  ~LiveServer() {
    srv_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  Server& server() { return *srv_; }
  // A client with generous timeouts (a slow CI machine).
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(300, 0);
    c.set_write_timeout(60, 0);
    c.set_connection_timeout(10, 0);
    return c;
  }

 private:
  std::unique_ptr<Server> srv_;
  int port_ = 0;
  std::thread thread_;
};

inline ServerOptions default_server_options() { return {}; }

// A 1024-token context and 4 slots: suites that run several requests at once.
inline ServerOptions ctx1024_parallel4() {
  ServerOptions o;
  o.ctx_size = 1024;
  o.parallel = 4;
  return o;
}

// A test suite whose tests share one LiveServer, started once for the suite with Options().
template <ServerOptions (*Options)() = default_server_options>
class SharedServerTestWith : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<LiveServer>(Options()); }
  static void TearDownTestSuite() { server_.reset(); }
  static inline std::unique_ptr<LiveServer> server_;
};
using SharedServerTest = SharedServerTestWith<>;

// `dseek serve --port 0 ARGS...` (ARGS may give --port instead) as a child process; reads the
// port from its stderr line "listening on http://HOST:PORT". SIGKILL on destruction.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    char tmpl[] = "/tmp/dseek_serve_XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    err_path_ = tmpl;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fd, 2);
      int devnull = open("/dev/null", O_RDWR);
      dup2(devnull, 0);
      dup2(devnull, 1);
      setenv("OMP_NUM_THREADS", "1", 1);
      std::vector<std::string> all = {dseek::test::dseek_binary(), "serve"};
      if (std::find(args.begin(), args.end(), "--port") == args.end()) all.insert(all.end(), {"--port", "0"});
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& s : all) argv.push_back(s.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fd);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string err = stderr_text();
      auto at = err.find("listening on http://");
      if (at != std::string::npos && err.find('\n', at) != std::string::npos) {
        auto colon = err.rfind(':', err.find('\n', at));
        port_ = std::stoi(err.substr(colon + 1));
        return;
      }
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("dseek serve exited early: " + err);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("dseek serve did not print its port: " + stderr_text());
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    unlink(err_path_.c_str());
  }
  int port() const { return port_; }
  // Sends `sig` and waits for the exit; returns the exit status (-1: killed by a signal).
  int stop(int sig = SIGTERM) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string stderr_text() const {
    std::ifstream in(err_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string err_path_;
};

// The `data:` payloads of an SSE body ("[DONE]" included), comments skipped.
inline std::vector<std::string> sse_payloads(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string event = body.substr(pos, end - pos);
    pos = end + 2;
    std::istringstream lines(event);
    std::string line, data;
    while (std::getline(lines, line)) {
      if (line.rfind("data: ", 0) == 0) data += line.substr(6);
    }
    if (!data.empty()) out.push_back(data);
  }
  return out;
}

// What an OpenAI client makes of a chat stream: the message (content, reasoning_content,
// tool_calls by index with id/name and concatenated arguments), the finish_reason and
// usage. Throws when the stream is malformed (no [DONE], a chunk of the wrong object type).
struct StreamResult {
  json message = {{"content", ""}, {"reasoning_content", ""}, {"tool_calls", json::array()}};
  std::string finish_reason;
  json usage;
  int chunks = 0;
  bool done = false;
  json error;
};

inline StreamResult assemble_chat_stream(const std::string& body) {
  StreamResult r;
  for (const auto& p : sse_payloads(body)) {
    if (r.done) throw std::runtime_error("data after [DONE]");
    if (p == "[DONE]") {
      r.done = true;
      continue;
    }
    json c = json::parse(p);
    if (c.contains("error")) {
      r.error = c["error"];
      continue;
    }
    if (c["object"] != "chat.completion.chunk") throw std::runtime_error("not a chunk: " + p);
    ++r.chunks;
    if (c.contains("usage") && !c["usage"].is_null()) r.usage = c["usage"];
    for (const auto& ch : c["choices"]) {
      const json& d = ch["delta"];
      if (d.contains("content") && d["content"].is_string()) r.message["content"] = r.message["content"].get<std::string>() + d["content"].get<std::string>();
      if (d.contains("reasoning_content") && d["reasoning_content"].is_string())
        r.message["reasoning_content"] = r.message["reasoning_content"].get<std::string>() + d["reasoning_content"].get<std::string>();
      if (d.contains("tool_calls")) {
        for (const auto& tc : d["tool_calls"]) {
          size_t i = tc["index"].get<size_t>();
          json& calls = r.message["tool_calls"];
          while (calls.size() <= i) calls.push_back({{"id", ""}, {"name", ""}, {"arguments", ""}});
          if (tc.contains("id")) calls[i]["id"] = tc["id"];
          if (tc.contains("function")) {
            const json& f = tc["function"];
            if (f.contains("name")) calls[i]["name"] = f["name"];
            if (f.contains("arguments")) calls[i]["arguments"] = calls[i]["arguments"].get<std::string>() + f["arguments"].get<std::string>();
          }
        }
      }
      if (!ch["finish_reason"].is_null()) r.finish_reason = ch["finish_reason"];
    }
  }
  return r;
}

// A non-streamed chat.completion message in the same normalized shape as
// StreamResult::message (null content -> "", missing fields -> empty).
inline json normalized_message(const json& msg) {
  json out = {{"content", msg["content"].is_string() ? msg["content"] : json("")},
              {"reasoning_content", msg.contains("reasoning_content") && msg["reasoning_content"].is_string() ? msg["reasoning_content"] : json("")},
              {"tool_calls", json::array()}};
  if (msg.contains("tool_calls"))
    for (const auto& tc : msg["tool_calls"])
      out["tool_calls"].push_back({{"id", tc["id"]}, {"name", tc["function"]["name"]}, {"arguments", tc["function"]["arguments"]}});
  return out;
}

// The model's calculator prompt (it answers with a calculator tool call).
inline json calculator_request() {
  return {{"model", "nano-agent"},
          {"messages", json::array({{{"role", "system"}, {"content", "You are a helpful assistant."}},
                                    {{"role", "user"}, {"content", "Tell me the result of 780/137."}}})},
          {"tools", nano_tools()},
          {"temperature", 0}};
}

}  // namespace dseek::server::test
