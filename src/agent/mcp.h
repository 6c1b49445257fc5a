// Model Context Protocol client over stdio: JSON-RPC 2.0, one JSON object a line.
// Starts a server, runs initialize / notifications/initialized / tools/list, and calls tools
// with tools/call. Servers are programs the user names with --mcp; they run unsandboxed in
// the workdir, like any command the user starts.
#pragma once
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "agent/tool.h"

namespace dseek::agent {

struct McpToolInfo {
  std::string name, description;
  Json input_schema;        // JSON schema of the arguments
  bool read_only = false;   // annotations.readOnlyHint
};

class McpServer {
 public:
  // Starts `/bin/sh -c command_line` in `cwd` (its stderr goes to ours), initializes the
  // session and lists the tools. Throws dseek::Error naming the server on any failure.
  McpServer(const std::string& command_line, const std::string& cwd, double timeout_s = 30);
  ~McpServer();  // closes stdin, waits briefly, then kills the server
  McpServer(const McpServer&) = delete;
  McpServer& operator=(const McpServer&) = delete;

  const std::string& command_line() const { return command_; }
  const std::string& server_name() const { return server_name_; }
  const std::vector<McpToolInfo>& tools() const { return tools_; }

  // tools/call: the text of the result's content items (other kinds shown as placeholders),
  // is_error from the result's isError or from a JSON-RPC error. Never throws.
  ToolResult call(const std::string& tool, const Json& arguments);

 private:
  Json request(const std::string& method, const Json& params);  // throws dseek::Error
  void send(const Json& msg);
  Json receive(double timeout_s);  // the next message; throws on timeout or EOF
  void shutdown();                 // closes the pipes and reaps (or kills) the server
  std::string command_, server_name_;
  double timeout_s_;
  pid_t pid_ = -1;
  int to_server_ = -1, from_server_ = -1;
  std::string buffer_;
  long next_id_ = 1;
  bool dead_ = false;
  std::vector<McpToolInfo> tools_;
};

// A Tool that forwards to an MCP server (side-effecting unless the server marks it read-only;
// arguments checked against its input schema, extra properties allowed unless the schema
// forbids them).
std::unique_ptr<Tool> make_mcp_tool(std::shared_ptr<McpServer> server, const McpToolInfo& info);

}  // namespace dseek::agent
