// Running the official npm clients' scripts (tests/server/js) against `dseek serve`.
#pragma once
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_util.h"

namespace dseek::server::test {

// DSEEK_REQUIRE_NODE_CLIENT=1 (CI): a missing client is a failure, not a skip.
inline bool node_client_required() {
  const char* req = std::getenv("DSEEK_REQUIRE_NODE_CLIENT");
  return req && std::string(req) == "1";
}

inline std::filesystem::path node_client_dir() { return std::filesystem::path(dseek::test::repo_dir()) / "tests" / "server" / "js"; }

// Why the npm package `package` (under tests/server/js/node_modules) or node cannot run; "" if they can.
inline std::string node_client_missing(const std::string& package) {
  if (!std::filesystem::exists(node_client_dir() / "node_modules" / package))
    return "tests/server/js/node_modules/" + package + " is missing: run tests/server/js/install.sh";
  if (std::system("node --version >/dev/null 2>&1") != 0) return "node is not installed";
  return "";
}

struct NodeRun {
  bool ok = false;  // exited 0
  std::string out;  // stdout and stderr
};

// Starts `dseek serve --api-key KEY --parallel 2`, runs `node SCRIPT BASE_URL` (BASE_URL:
// http://127.0.0.1:PORT + url_suffix; the key in $DSEEK_API_KEY) and stops the server (SIGTERM,
// which must exit 0).
inline NodeRun run_node_client(const std::string& script, const std::string& key, const std::string& url_suffix) {
  ServeProcess srv({"--api-key", key, "--parallel", "2"});
  const std::string log = (std::filesystem::temp_directory_path() / ("dseek_node_" + std::to_string(getpid()) + "_" + script)).string();
  const std::string cmd = "DSEEK_API_KEY=" + key + " node '" + (node_client_dir() / script).string() + "' http://127.0.0.1:" +
                          std::to_string(srv.port()) + url_suffix + " >'" + log + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(log);
  NodeRun r{WIFEXITED(rc) && WEXITSTATUS(rc) == 0, ss.str()};
  EXPECT_EQ(srv.stop(SIGTERM), 0);
  return r;
}

}  // namespace dseek::server::test
