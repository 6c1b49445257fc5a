// The embedded literals equal shared/vectors/chat/literals.json byte for byte.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "chat/literals.h"
#include "test_paths.h"

namespace dseek::chat {
namespace {

TEST(Literals, MatchVectorFile) {
  std::string path = dseek::test::data_path("vectors/chat/literals.json");
  ASSERT_FALSE(path.empty()) << "vectors/chat/literals.json not found";
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(lit::kBos, j["bos"].get<std::string>());
  EXPECT_EQ(lit::kEos, j["eos"].get<std::string>());
  EXPECT_EQ(lit::kUser, j["user_marker"].get<std::string>());
  EXPECT_EQ(lit::kAssistant, j["assistant_marker"].get<std::string>());
  EXPECT_EQ(lit::kThinkOpen, j["think_open"].get<std::string>());
  EXPECT_EQ(lit::kThinkClose, j["think_close"].get<std::string>());
  EXPECT_EQ(lit::kDsml, j["dsml_marker"].get<std::string>());
  EXPECT_EQ(lit::kToolsBlockPrefix, j["tools_block_prefix"].get<std::string>());
  EXPECT_EQ(lit::kToolsBlockSuffix, j["tools_block_suffix"].get<std::string>());
  EXPECT_EQ(lit::kResponseFormatPrefix, j["response_format_prefix"].get<std::string>());
  EXPECT_EQ(lit::kDeveloperContentPrefix, j["developer_content_prefix"].get<std::string>());
}

TEST(Literals, DsmlTagsAreBuiltFromTheMarker) {
  const std::string d(lit::kDsml);
  EXPECT_EQ(lit::kCallsOpen, "<" + d + "function_calls>");
  EXPECT_EQ(lit::kCallsClose, "</" + d + "function_calls>");
  EXPECT_EQ(lit::kOpener, "\n\n<" + d + "function_calls");
  EXPECT_EQ(lit::kInvokeStart, "<" + d + "invoke");
  EXPECT_EQ(lit::kInvokeEnd, "</" + d + "invoke");
  EXPECT_EQ(lit::kParamStart, "<" + d + "parameter");
  EXPECT_EQ(lit::kParamEndNoLt, "/" + d + "parameter");
  EXPECT_EQ(lit::kParamEnd, "</" + d + "parameter>");
}

}  // namespace
}  // namespace dseek::chat
