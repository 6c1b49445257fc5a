// chat-v4/parse.jsonl: every vector's exact message (arguments as exact text, non-JSON
// string="false" values verbatim as the reference gives them), or the reference's error;
// every assistant turn of the encode vectors parses back to the message it was made from.
#include <gtest/gtest.h>

#include "chat/literals.h"
#include "chat/v4/encode.h"
#include "chat/v4/parse.h"
#include "runtime/error.h"
#include "v4_vectors.h"

namespace dseek::chat::v4 {
namespace {

std::string string_or_empty(const Json& m, const char* key) {
  auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const std::vector<Json>& parse_cases() {
  static const std::vector<Json> cases = test::load_jsonl("parse.jsonl");
  return cases;
}

class ParseV4Vector : public ::testing::TestWithParam<Json> {};

TEST_P(ParseV4Vector, MessageOrError) {
  const Json& c = GetParam();
  SCOPED_TRACE(c["id"].get<std::string>());
  const std::string text = c["text"].get<std::string>();
  const bool thinking = thinking_from_mode(c["thinking_mode"].get<std::string>());
  if (c.contains("error")) {
    const std::string want = test::reference_reason(c["error"].get<std::string>());
    try {
      parse_completion(text, thinking);
      FAIL() << "accepted; the reference raises " << c["error"];
    } catch (const dseek::Error& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what() << "\nwant: " << want;
    }
    return;
  }
  AssistantMessage msg;
  try {
    msg = parse_completion(text, thinking);
  } catch (const dseek::Error& e) {
    FAIL() << "unexpected error: " << e.what();
  }
  // Key order aside, the whole message must match, arguments as exact text.
  EXPECT_EQ(nlohmann::json(msg.to_openai()), nlohmann::json(c["parsed"]));
}

INSTANTIATE_TEST_SUITE_P(Vectors, ParseV4Vector, ::testing::ValuesIn(parse_cases()), test::IdName());

TEST(ParseV4Vectors, AllPresent) {
  ASSERT_EQ(parse_cases().size(), 12u) << "vectors/chat-v4/parse.jsonl missing or changed";
  size_t errors = 0;
  for (const Json& c : parse_cases()) errors += c.contains("error");
  EXPECT_EQ(errors, 4u);
}

// Every assistant message of the encode vectors that the prompt shows whole (after the last
// user turn, with EOS) parses back from its text to its own content, reasoning and calls.
TEST(ParseV4, EncodedAssistantTurnsRoundTrip) {
  size_t checked = 0;
  for (const Json& c : test::load_jsonl("encode.jsonl")) {
    if (c.contains("error")) continue;
    EncodeOptions opt = options_from_fields(c["kwargs"]);
    const Json& messages = c["messages"];
    for (size_t i = 1; i < messages.size(); ++i) {
      const Json& m = messages[i];
      const Json& prev = messages[i - 1];
      if (m["role"] != "assistant" || m.value("wo_eos", false) || (prev["role"] != "user" && prev["role"] != "tool")) continue;
      if (prev.contains("task")) continue;
      // The turn's text: what follows the prompt of messages[0..i) (which ends with the
      // <think> / </think> the model continues), up to and including this turn's EOS.
      const std::string before = encode_messages(Json(messages.begin(), messages.begin() + i), opt);
      const std::string all = encode_messages(Json(messages.begin(), messages.begin() + i + 1), opt);
      if (all.compare(0, before.size(), before) != 0) continue;  // reasoning dropped differently
      const std::string text = all.substr(before.size());
      const bool shows_reasoning = before.ends_with("<think>");
      SCOPED_TRACE(c["id"].get<std::string>() + " message " + std::to_string(i) + ": " + text);
      AssistantMessage got = parse_completion(text, shows_reasoning);
      EXPECT_EQ(got.content, string_or_empty(m, "content"));
      if (shows_reasoning) {
        EXPECT_EQ(got.reasoning_content, string_or_empty(m, "reasoning_content"));
      }
      const Json calls = m.value("tool_calls", Json::array());
      ASSERT_EQ(got.tool_calls.size(), calls.size());
      for (size_t k = 0; k < calls.size(); ++k) {
        EXPECT_EQ(got.tool_calls[k].name, calls[k]["function"]["name"]);
        const std::string args = calls[k]["function"]["arguments"];
        nlohmann::json want = nlohmann::json::accept(args) ? nlohmann::json::parse(args)
                                                            : nlohmann::json{{"arguments", args}};
        EXPECT_EQ(nlohmann::json::parse(got.tool_calls[k].arguments), want);
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 15u);
}

TEST(ParseV4, ReferenceQuirks) {
  const std::string eos = "<｜end▁of▁sentence｜>";
  // An invoke without parameters renders as `name="f">\n\n`: $ matches before the last newline.
  AssistantMessage m = parse_completion(
      "\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"f\">\n\n</｜DSML｜invoke>\n</｜DSML｜tool_calls>" + eos, false);
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].name, "f");
  EXPECT_EQ(m.tool_calls[0].arguments, "{}");
  // The text may end right after the block's opening (the reference's loop never runs).
  m = parse_completion("x\n\n<｜DSML｜tool_calls", false);
  EXPECT_EQ(m.content, "x");
  EXPECT_TRUE(m.tool_calls.empty());
  // V3.2's block is not V4's: its markup stays in content, which then fails the leak check.
  EXPECT_THROW(parse_completion("\n\n<｜DSML｜function_calls>\n</｜DSML｜function_calls>" + eos, false), dseek::Error);
  // Text after EOS.
  try {
    parse_completion("a" + eos + "b", false);
    FAIL();
  } catch (const dseek::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Unexpected content at end"), std::string::npos);
  }
  // Thinking mode without </think>.
  try {
    parse_completion("r" + eos, true);
    FAIL();
  } catch (const dseek::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Invalid thinking format: missing </think>"), std::string::npos);
  }
}

}  // namespace
}  // namespace dseek::chat::v4

namespace dseek::chat::v4 {
namespace {

// A special token inside the content is reported where it is, not at byte 0.
TEST(ParseV4, SpecialTokenInContentNamesItsOffset) {
  try {
    parse_completion("abcdefgh</think>def" + std::string(chat::lit::kEos), false);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(at byte 8)"), std::string::npos) << e.what();
  }
  try {  // in the reasoning: its own offset
    parse_completion("ab<think>cd</think>x" + std::string(chat::lit::kEos), true);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(at byte 2)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dseek::chat::v4
