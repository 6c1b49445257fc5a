// The MCP client against tests/agent/mcp_server.py.
#include <gtest/gtest.h>

#include "agent/mcp.h"
#include "agent/toolset.h"
#include "agent_test_util.h"
#include "runtime/error.h"

namespace dseek::agent {
namespace {

using test::mcp_server_command;
using test::TempDir;

TEST(Mcp, ListsToolsAcrossPagesAndCallsThem) {
  TempDir d;
  auto server = std::make_shared<McpServer>(mcp_server_command(), d.path());
  EXPECT_EQ(server->server_name(), "test-mcp");
  ASSERT_EQ(server->tools().size(), 4u);
  EXPECT_EQ(server->tools()[0].name, "shout");
  EXPECT_EQ(server->tools()[0].description, "Upper-case a text.");
  EXPECT_FALSE(server->tools()[0].read_only);
  EXPECT_TRUE(server->tools()[1].read_only);

  ToolResult r = server->call("shout", {{"text", "quiet please"}});
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(r.content, "QUIET PLEASE");
  ToolResult f = server->call("fail", Json::object());
  EXPECT_TRUE(f.is_error);
  EXPECT_EQ(f.content, "it failed");
  ToolResult u = server->call("nope", Json::object());
  EXPECT_TRUE(u.is_error);
  EXPECT_NE(u.content.find("unknown tool nope"), std::string::npos);
}

TEST(Mcp, ToolsJoinTheToolSet) {
  TempDir d;
  auto server = std::make_shared<McpServer>(mcp_server_command(), d.path());
  ToolSet tools;
  for (const auto& info : server->tools()) tools.add(make_mcp_tool(server, info));
  Json schemas = tools.schemas();
  EXPECT_EQ(schemas[0]["function"]["name"], "shout");
  EXPECT_EQ(schemas[0]["function"]["parameters"]["required"][0], "text");
  PreparedCall p = tools.prepare("add_numbers", R"({"a": 2, "b": 40})");
  ASSERT_TRUE(p.tool) << p.error;
  EXPECT_FALSE(p.tool->side_effecting());  // readOnlyHint
  EXPECT_EQ(tools.run(p, 1000).content, "42");
  EXPECT_TRUE(tools.prepare("shout", "{}").error.find("missing required argument") != std::string::npos);
}

TEST(Mcp, ACrashedServerGivesErrorResults) {
  TempDir d;
  McpServer server(mcp_server_command(), d.path(), 5);
  ToolResult c = server.call("crash", Json::object());
  EXPECT_TRUE(c.is_error);
  EXPECT_NE(c.content.find("exited"), std::string::npos) << c.content;
  ToolResult again = server.call("shout", {{"text", "x"}});
  EXPECT_TRUE(again.is_error);
}

TEST(Mcp, AServerThatIsNotMcpIsAClearError) {
  TempDir d;
  try {
    McpServer server("echo not a server", d.path(), 5);
    FAIL() << "expected an error";
  } catch (const dseek::Error& e) {
    EXPECT_NE(std::string(e.what()).find("MCP server `echo not a server`"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dseek::agent
