// The official Anthropic npm client (@anthropic-ai/sdk, tests/server/js/anthropic_test.mjs)
// driving `dseek serve` through /v1/messages, with the key sent as x-api-key.
#include <gtest/gtest.h>

#include "node_client.h"

namespace dseek::server::test {
namespace {

TEST(NodeClient, OfficialAnthropicPackage) {
  if (const std::string why = node_client_missing("@anthropic-ai/sdk"); !why.empty()) {
    if (node_client_required()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  const NodeRun r = run_node_client("anthropic_test.mjs", "sk-ant-node-test", "");
  EXPECT_TRUE(r.ok) << r.out;
  EXPECT_NE(r.out.find("all 5 checks passed"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace dseek::server::test
