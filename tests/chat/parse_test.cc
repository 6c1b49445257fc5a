// chat/parse.jsonl: every vector's exact message (incl. the exact `arguments` text), or an
// error where the reference raises. The one documented exception: a string="false" value
// that is not JSON (arguments_parsed null) becomes a JSON string, so arguments stay valid.
#include <gtest/gtest.h>

#include "chat/encode.h"
#include "chat/parse.h"
#include "runtime/error.h"
#include "vectors.h"

namespace dseek::chat {
namespace {

const std::vector<Json>& parse_cases() {
  static const std::vector<Json> cases = test::load_vectors("parse.jsonl");
  return cases;
}

class ParseVector : public ::testing::TestWithParam<Json> {};

TEST_P(ParseVector, Message) {
  const Json& c = GetParam();
  const Json& input = c["input"];
  const Json& expected = c["expected"];
  SCOPED_TRACE(c["case_id"].get<std::string>() + ": " + c["description"].get<std::string>());
  const std::string text = input["text"].get<std::string>();
  const bool thinking = thinking_from_mode(input["thinking_mode"].get<std::string>());

  if (expected.contains("error")) {
    EXPECT_THROW(parse_completion(text, thinking), dseek::Error) << "reference raises: " << expected["error"].dump();
    return;
  }
  AssistantMessage msg;
  try {
    msg = parse_completion(text, thinking);
  } catch (const dseek::Error& e) {
    FAIL() << "unexpected error: " << e.what();
  }
  Json want = expected["message"];
  Json got = msg.to_openai();
  ASSERT_EQ(msg.tool_calls.size(), want["tool_calls"].size());
  for (size_t i = 0; i < msg.tool_calls.size(); ++i) {
    // Ours is always valid JSON text of an object.
    Json parsed;
    ASSERT_NO_THROW(parsed = nlohmann::json::parse(msg.tool_calls[i].arguments)) << msg.tool_calls[i].arguments;
    EXPECT_TRUE(parsed.is_object());
    if (expected["arguments_parsed"][i].is_null()) {
      // Documented exception: the reference's text is not JSON; the test takes ours instead,
      // checking it above and, for the known case, exactly.
      if (c["case_id"] == "parse-tool_calls-08") {
        EXPECT_EQ(msg.tool_calls[i].arguments, R"({"v": "not json"})");
      }
      want["tool_calls"][i]["function"]["arguments"] = msg.tool_calls[i].arguments;
    } else {
      EXPECT_EQ(nlohmann::json(parsed), nlohmann::json(expected["arguments_parsed"][i]));
    }
  }
  // Key order aside, the whole message must match (arguments compared as exact text).
  EXPECT_EQ(nlohmann::json(got), nlohmann::json(want)) << got.dump();

  if (c.contains("source_message")) {
    // Round trip: the text is the encoder's rendering of source_message after
    // source_context, and the parsed message renders back to the same text (section 5).
    EncodeOptions opt;
    opt.thinking = thinking;
    opt.context = c["source_context"];
    EXPECT_EQ(encode_messages(Json::array({c["source_message"]}), opt), text);
    EXPECT_EQ(encode_messages(Json::array({got}), opt), text);
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, ParseVector, ::testing::ValuesIn(parse_cases()), test::CaseName());

TEST(ParseVectors, AllPresent) {
  ASSERT_FALSE(parse_cases().empty()) << "vectors/chat/parse.jsonl not found";
  EXPECT_GE(parse_cases().size(), 36u);
}

// Section 9 consequences beyond the vectors.
TEST(Parse, Edges) {
  const std::string eos = "<｜end▁of▁sentence｜>";
  const std::string block = "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n";
  const std::string param = "<｜DSML｜parameter name=\"a\" string=\"false\">[1, 2]</｜DSML｜parameter>\n";
  // Truncated right after a parameter's ">\n": the call is kept (the reference accepts it).
  AssistantMessage m = parse_completion("hi" + block + param, false);
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.content, "hi");
  EXPECT_EQ(m.tool_calls[0].arguments, R"({"a": [1, 2]})");
  // Invoke header followed by two empty lines: rejected.
  EXPECT_THROW(parse_completion("r</think>" + block + "\n\n" + param + "</｜DSML｜invoke>\n</｜DSML｜function_calls>", true),
               dseek::Error);
  // Unicode whitespace before name= (Python \s), a name with a newline (DOTALL).
  m = parse_completion(
      "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke\u3000name=\"a\nb\">\n</｜DSML｜invoke>\n</｜DSML｜function_calls>" + eos,
      false);
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].name, "a\nb");
  EXPECT_EQ(m.tool_calls[0].arguments, "{}");
  // A key that contains the attribute text: the shortest key that lets the rest fit.
  m = parse_completion(block.substr(0) + "<｜DSML｜parameter name=\"k\" string=\"maybe\" string=\"true\">v<</｜DSML｜parameter>\n",
                       false);
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].arguments, R"({"k\" string=\"maybe": "v<"})");
  // string="false" values: valid JSON kept verbatim, anything else quoted.
  m = parse_completion(block + "<｜DSML｜parameter name=\"a\" string=\"false\"> 1e5 </｜DSML｜parameter>\n"
                               "<｜DSML｜parameter name=\"b\" string=\"false\">NaN</｜DSML｜parameter>\n"
                               "<｜DSML｜parameter name=\"c\" string=\"false\"></｜DSML｜parameter>\n",
                       false);
  EXPECT_EQ(m.tool_calls[0].arguments, R"({"a":  1e5 , "b": "NaN", "c": ""})");
  // Chat mode with a stray </think> in content: a leak.
  EXPECT_THROW(parse_completion("a</think>b" + eos, false), dseek::Error);
  // Empty text: no EOS.
  EXPECT_THROW(parse_completion("", false), dseek::Error);
  EXPECT_THROW(parse_completion("", true), dseek::Error);
}

TEST(Parse, ToOpenAiCarriesIds) {
  AssistantMessage m;
  m.tool_calls.push_back({"call_1", "f", "{}"});
  Json j = m.to_openai();
  EXPECT_EQ(j["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(j["tool_calls"][0]["type"], "function");
  EXPECT_EQ(j["role"], "assistant");
}

}  // namespace
}  // namespace dseek::chat
