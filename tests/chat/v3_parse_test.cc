// chat-v3/parse.jsonl and chat-v3.1/parse.jsonl: every completion gives the expected message
// (content, reasoning, tool calls with verbatim arguments that decode to arguments_parsed), or
// is rejected with the vector's reason.
#include <gtest/gtest.h>

#include "chat/v3/parse.h"
#include "chat/v3_1/parse.h"
#include "runtime/error.h"
#include "v3_vectors.h"

namespace dseek::chat::v3 {
namespace {

using test::Case;

AssistantMessage parse(const Case& c) {
  const Json& in = c.v["input"];
  if (c.dir == "chat-v3") return parse_completion(in["text"].get<std::string>());
  return v3_1::parse_completion(in["text"].get<std::string>(), in["thinking_mode"] == "thinking");
}

class ParseV3Vector : public ::testing::TestWithParam<Case> {};

TEST_P(ParseV3Vector, MessageOrRejection) {
  const Case& c = GetParam();
  const Json& expected = c.v["expected"];
  if (expected.contains("error")) {
    try {
      parse(c);
      FAIL() << "accepted a text the format rejects";
    } catch (const dseek::Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected["error"]["message"].get<std::string>()), std::string::npos) << e.what();
    }
    return;
  }
  const AssistantMessage m = parse(c);
  EXPECT_EQ(nlohmann::json(m.to_openai()), nlohmann::json(expected["message"]));
  ASSERT_EQ(m.tool_calls.size(), expected["arguments_parsed"].size());
  for (size_t i = 0; i < m.tool_calls.size(); ++i)
    EXPECT_EQ(nlohmann::json::parse(m.tool_calls[i].arguments), nlohmann::json(expected["arguments_parsed"][i]));
}

INSTANTIATE_TEST_SUITE_P(Vectors, ParseV3Vector, ::testing::ValuesIn(test::cases("parse.jsonl")), test::CaseName());

TEST(ParseV3, AllVectorsLoaded) {
  EXPECT_EQ(test::load_jsonl("chat-v3", "parse.jsonl").size(), 42u);
  EXPECT_EQ(test::load_jsonl("chat-v3.1", "parse.jsonl").size(), 46u);
}

// Rules the vectors touch only lightly: markers in names and arguments, the byte offset.
TEST(ParseV3, MarkersInNamesAndArgumentsAreRejected) {
  const std::string call = "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>";
  const std::string end = "<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  EXPECT_THROW(v3_1::parse_completion(call + "<｜User｜>f<｜tool▁sep｜>{}" + end, false), dseek::Error);
  EXPECT_THROW(v3_1::parse_completion(call + "f<｜tool▁sep｜>{\"a\": \"<｜tool▁sep｜>\"}" + end, false), dseek::Error);
  EXPECT_THROW(v3_1::parse_completion(call + "<｜tool▁sep｜>{}" + end, false), dseek::Error);
  // <think> inside a JSON string of the arguments is no tool marker: accepted.
  EXPECT_EQ(v3_1::parse_completion(call + "f<｜tool▁sep｜>{\"a\": \"<think>\"}" + end, false).tool_calls.at(0).arguments,
            "{\"a\": \"<think>\"}");
  EXPECT_THROW(parse_completion(call + "function<｜tool▁sep｜>\n```json\n{}\n```" + end), dseek::Error);
  try {
    parse_completion("ok<｜end▁of▁sentence｜>tail");
    FAIL();
  } catch (const dseek::Error& e) {
    EXPECT_NE(std::string(e.what()).find("V3 completion: unexpected text after EOS (at byte 29)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dseek::chat::v3
