// `dseek serve` as a process: the port line, a clean exit on SIGINT, a clear error for a
// bad checkpoint, and the official openai npm client driving it (tests/server/js).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

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

TEST(NodeClient, OfficialOpenAiPackage) {
  const fs::path js = fs::path(dseek::test::repo_dir()) / "tests" / "server" / "js";
  // DSEEK_REQUIRE_NODE_CLIENT=1 (CI): a missing client is a failure, not a skip.
  const char* req = std::getenv("DSEEK_REQUIRE_NODE_CLIENT");
  const bool required = req && std::string(req) == "1";
  if (!fs::exists(js / "node_modules" / "openai")) {
    const std::string why = "tests/server/js/node_modules is missing: run tests/server/js/install.sh to test with the openai npm client";
    if (required) FAIL() << why;
    GTEST_SKIP() << why;
  }
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    if (required) FAIL() << "node is not installed";
    GTEST_SKIP() << "node is not installed";
  }
  ServeProcess srv({"--api-key", "sk-node-test", "--parallel", "2"});
  const std::string log = (fs::temp_directory_path() / ("dseek_node_" + std::to_string(getpid()))).string();
  const std::string cmd = "DSEEK_API_KEY=sk-node-test node '" + (js / "client_test.mjs").string() + "' http://127.0.0.1:" +
                          std::to_string(srv.port()) + "/v1 >'" + log + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  fs::remove(log);
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << ss.str();
  EXPECT_NE(ss.str().find("all 5 checks passed"), std::string::npos) << ss.str();
  EXPECT_EQ(srv.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace dseek::server::test
