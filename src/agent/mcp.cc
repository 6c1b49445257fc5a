#include "agent/mcp.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "agent/process.h"
#include "runtime/error.h"

namespace dseek::agent {

namespace {

constexpr const char* kProtocolVersion = "2025-03-26";

std::string text_of_content(const Json& content) {
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& item : content) {
    std::string piece;
    std::string type = item.is_object() ? item.value("type", std::string()) : std::string();
    if (type == "text" && item.contains("text") && item["text"].is_string()) {
      piece = item["text"].get<std::string>();
    } else if (type == "resource" && item.contains("resource") && item["resource"].is_object()) {
      const Json& r = item["resource"];
      piece = r.contains("text") && r["text"].is_string() ? r["text"].get<std::string>()
                                                          : "[resource " + r.value("uri", std::string()) + "]";
    } else if (type == "image" || type == "audio") {
      piece = "[" + type + " " + item.value("mimeType", std::string()) + "]";
    } else {
      piece = item.dump();
    }
    out += (out.empty() ? "" : "\n") + piece;
  }
  return out;
}

class McpTool : public Tool {
 public:
  McpTool(std::shared_ptr<McpServer> server, const McpToolInfo& info, Json schema)
      : Tool(std::move(schema), !info.read_only, false), server_(std::move(server)), remote_name_(info.name) {}
  ToolResult run(const Json& args) override { return server_->call(remote_name_, args); }

 private:
  std::shared_ptr<McpServer> server_;
  std::string remote_name_;
};

}  // namespace

McpServer::McpServer(const std::string& command_line, const std::string& cwd, double timeout_s)
    : command_(command_line), timeout_s_(timeout_s) {
  ignore_sigpipe();
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw Error("MCP server `" + command_ + "`: pipe failed");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    throw Error("MCP server `" + command_ + "`: pipe failed");
  }
  const char* dir = cwd.empty() ? nullptr : cwd.c_str();
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);  // Ctrl-C at the terminal stops the agent, not the server under it
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(in[0], 0);
    dup2(out[1], 1);
    if (dir && chdir(dir) != 0) _exit(127);
    execl("/bin/sh", "sh", "-c", command_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  to_server_ = in[1];
  from_server_ = out[0];
  if (pid_ < 0) {
    close(to_server_);
    close(from_server_);
    throw Error("MCP server `" + command_ + "`: fork failed");
  }
  try {
    Json init = request("initialize", {{"protocolVersion", kProtocolVersion},
                                       {"capabilities", Json::object()},
                                       {"clientInfo", {{"name", "dseek"}, {"version", "0.1.0"}}}});
    if (init.contains("error")) throw Error("initialize failed: " + init["error"].dump());
    const Json& res = init["result"];
    server_name_ = res.contains("serverInfo") && res["serverInfo"].is_object()
                       ? res["serverInfo"].value("name", std::string())
                       : std::string();
    send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
    Json cursor = nullptr;
    do {
      Json params = Json::object();
      if (!cursor.is_null()) params["cursor"] = cursor;
      Json list = request("tools/list", params);
      if (list.contains("error")) throw Error("tools/list failed: " + list["error"].dump());
      const Json& r = list["result"];
      if (!r.contains("tools") || !r["tools"].is_array()) throw Error("tools/list returned no `tools` array");
      for (const auto& t : r["tools"]) {
        if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
        McpToolInfo info;
        info.name = t["name"];
        info.description = t.contains("description") && t["description"].is_string() ? t["description"].get<std::string>() : "";
        info.input_schema = t.contains("inputSchema") && t["inputSchema"].is_object()
                                ? t["inputSchema"]
                                : Json{{"type", "object"}, {"properties", Json::object()}};
        if (t.contains("annotations") && t["annotations"].is_object()) {
          const Json& a = t["annotations"];
          info.read_only = a.contains("readOnlyHint") && a["readOnlyHint"] == true;
        }
        tools_.push_back(std::move(info));
      }
      cursor = r.contains("nextCursor") && r["nextCursor"].is_string() ? r["nextCursor"] : Json(nullptr);
    } while (!cursor.is_null());
  } catch (const Error& e) {
    std::string msg = "MCP server `" + command_ + "`: " + e.what();
    shutdown();
    throw Error(msg);
  }
}

McpServer::~McpServer() { shutdown(); }

void McpServer::shutdown() {
  if (to_server_ >= 0) close(to_server_);
  if (from_server_ >= 0) close(from_server_);
  to_server_ = from_server_ = -1;
  if (pid_ > 0) {
    for (int i = 0; i < 50; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

void McpServer::send(const Json& msg) {
  std::string line = msg.dump() + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(to_server_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      dead_ = true;
      throw Error("the server closed its input (" + std::string(std::strerror(errno)) + ")");
    }
    done += static_cast<size_t>(n);
  }
}

Json McpServer::receive(double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
  for (;;) {
    size_t nl;
    while ((nl = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        return Json::parse(line);
      } catch (const std::exception&) {
        continue;  // not JSON-RPC (a server logging to stdout): skip the line
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) throw Error("no answer within " + std::to_string(static_cast<int>(timeout_s)) + " s");
    struct pollfd p {from_server_, POLLIN, 0};
    int pr = poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
    if (interrupt_flag().load()) throw Error("interrupted");
    if (pr < 0 && errno != EINTR) throw Error("poll failed");
    if (pr <= 0) continue;
    char buf[65536];
    ssize_t n = read(from_server_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      dead_ = true;
      throw Error("the server exited");
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

Json McpServer::request(const std::string& method, const Json& params) {
  if (dead_) throw Error("the server is no longer running");
  const long id = next_id_++;
  send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  for (;;) {
    Json msg = receive(timeout_s_);
    if (!msg.is_object()) continue;
    if (msg.contains("method")) {  // a request or notification from the server
      if (msg.contains("id")) {
        Json reply = {{"jsonrpc", "2.0"}, {"id", msg["id"]}};
        if (msg["method"] == "ping")
          reply["result"] = Json::object();
        else
          reply["error"] = {{"code", -32601}, {"message", "method not supported by this client"}};
        send(reply);
      }
      continue;
    }
    if (msg.contains("id") && msg["id"] == id && (msg.contains("result") || msg.contains("error"))) {
      if (msg.contains("result") && !msg["result"].is_object()) msg["result"] = Json::object();
      return msg;
    }
  }
}

ToolResult McpServer::call(const std::string& tool, const Json& arguments) {
  Json resp;
  try {
    resp = request("tools/call", {{"name", tool}, {"arguments", arguments}});
  } catch (const Error& e) {
    return {"error: MCP server `" + command_ + "`: " + e.what(), true};
  }
  if (resp.contains("error")) {
    const Json& e = resp["error"];
    std::string msg = e.is_object() && e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : e.dump();
    return {"error: MCP error: " + msg, true};
  }
  const Json& r = resp["result"];
  std::string text = text_of_content(r.contains("content") ? r["content"] : Json::array());
  if (text.empty() && r.contains("structuredContent")) text = r["structuredContent"].dump();
  bool is_error = r.contains("isError") && r["isError"] == true;
  return {text, is_error};
}

std::unique_ptr<Tool> make_mcp_tool(std::shared_ptr<McpServer> server, const McpToolInfo& info) {
  std::string desc = info.description.empty() ? "A tool of the MCP server `" + server->command_line() + "`." : info.description;
  Json schema = {{"type", "function"},
                 {"function", {{"name", info.name}, {"description", desc}, {"parameters", info.input_schema}}}};
  return std::make_unique<McpTool>(std::move(server), info, std::move(schema));
}

}  // namespace dseek::agent
