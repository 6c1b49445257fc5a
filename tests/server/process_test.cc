// `dseek serve` as a process: the port line, a clean exit on SIGINT, a clear error for a
// bad checkpoint or a port in use (--reuse-port to share one), and the official openai npm
// client driving it (tests/server/js).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <utility>

#include "node_client.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

namespace fs = std::filesystem;

TEST(ServeCommand, PrintsItsPortAndExitsCleanlyOnSigint) {
  ServeProcess srv({"--parallel", "2", "--ctx-size", "4096", "--kv-budget", "2M", "--prefill-chunk", "128"});
  EXPECT_NE(srv.stderr_text().find("listening on http://127.0.0.1:" + std::to_string(srv.port()) + "\n"), std::string::npos);
  EXPECT_NE(srv.stderr_text().find("2 parallel sequences, context 4096 tokens"), std::string::npos);
  {
    httplib::Client c("127.0.0.1", srv.port());
    auto r = c.Get("/health");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    auto m = c.Get("/metrics");  // the flags reach the scheduler: a bounded KV cache (-1: unbounded)
    const std::string key = "dseek_kv_blocks_capacity{model=\"nano-agent\"} ";
    auto at = m->body.find(key);
    ASSERT_NE(at, std::string::npos) << m->body;
    const int blocks = std::stoi(m->body.substr(at + key.size()));
    EXPECT_GT(blocks, 40);  // 2 MiB: twice the 25 blocks of 1 MiB (KvBudget test)
    EXPECT_LT(blocks, 60);
    EXPECT_NE(m->body.find("dseek_parallel_slots{model=\"nano-agent\"} 2\n"), std::string::npos);
  }
  EXPECT_EQ(srv.stop(SIGINT), 0);
}

TEST(ServeCommand, BadCheckpointFailsWithAMessage) {
  const std::string out = (fs::temp_directory_path() / ("dseek_serve_bad_" + std::to_string(getpid()))).string();
  const std::string cmd = "'" + dseek::test::dseek_binary() + "' serve -m /nonexistent/model --port 0 2>'" + out + "'";
  int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 1);
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("/nonexistent/model"), std::string::npos) << ss.str();
  EXPECT_EQ(ss.str().find("listening on"), std::string::npos);
  fs::remove(out);
}

// Runs `dseek serve ARGS` to completion; returns its exit code and stderr.
std::pair<int, std::string> serve_exit(const std::string& args) {
  const std::string out = (fs::temp_directory_path() / ("dseek_serve_exit_" + std::to_string(getpid()))).string();
  const std::string cmd = "OMP_NUM_THREADS=1 '" + dseek::test::dseek_binary() + "' serve " + args + " 2>'" + out + "' </dev/null";
  int rc = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  fs::remove(out);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
}

// cpp-httplib's default SO_REUSEPORT let a second server bind a busy port and silently take
// part of its connections: dseek's port is exclusive.
TEST(ServeCommand, PortInUseFailsWithAMessage) {
  ServeProcess first({});
  const std::string port = std::to_string(first.port());
  auto [rc, err] = serve_exit("--port " + port);
  EXPECT_EQ(rc, 1) << err;
  EXPECT_NE(err.find("cannot listen on 127.0.0.1:" + port + ": the port is already in use"), std::string::npos) << err;
  EXPECT_NE(err.find("--reuse-port"), std::string::npos) << err;
  EXPECT_EQ(err.find("listening on"), std::string::npos) << err;
  // The first server is untouched and serves every connection.
  for (int i = 0; i < 8; ++i) {
    httplib::Client c("127.0.0.1", first.port());
    auto r = c.Get("/health");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(first.stop(SIGTERM), 0);
  // A server started with --reuse-port does not get in either.
  ServeProcess exclusive({});
  auto [rc2, err2] = serve_exit("--reuse-port --port " + std::to_string(exclusive.port()));
  EXPECT_EQ(rc2, 1) << err2;
  EXPECT_NE(err2.find("already in use"), std::string::npos) << err2;
}

TEST(ServeCommand, ReusePortSharesOnPurpose) {
  ServeProcess first({"--reuse-port"});
  ServeProcess second({"--reuse-port", "--port", std::to_string(first.port())});
  EXPECT_EQ(second.port(), first.port());
  httplib::Client c("127.0.0.1", first.port());
  auto r = c.Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(second.stop(SIGTERM), 0);
  EXPECT_EQ(first.stop(SIGTERM), 0);
}

TEST(NodeClient, OfficialOpenAiPackage) {
  if (const std::string why = node_client_missing("openai"); !why.empty()) {
    if (node_client_required()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  const NodeRun r = run_node_client("client_test.mjs", "sk-node-test", "/v1");
  EXPECT_TRUE(r.ok) << r.out;
  EXPECT_NE(r.out.find("all 5 checks passed"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace dseek::server::test
