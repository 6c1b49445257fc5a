// chat-v4/encode.jsonl and official_tests/: every vector's exact prompt, or the reference's
// error; plus the V4 encoder's rules the vectors do not reach.
#include <gtest/gtest.h>

#include "chat/v4/encode.h"
#include "chat/v4/parse.h"
#include "runtime/error.h"
#include "v4_vectors.h"

namespace dseek::chat::v4 {
namespace {

const std::vector<Json>& encode_cases() {
  static const std::vector<Json> cases = test::load_jsonl("encode.jsonl");
  return cases;
}

class EncodeV4Vector : public ::testing::TestWithParam<Json> {};

TEST_P(EncodeV4Vector, ExactPromptOrError) {
  const Json& c = GetParam();
  SCOPED_TRACE(c["id"].get<std::string>() + ": " + c["desc"].get<std::string>());
  if (c.contains("error")) {
    const std::string want = test::reference_reason(c["error"].get<std::string>());
    try {
      encode_messages(c["messages"], options_from_fields(c["kwargs"]));
      FAIL() << "accepted; the reference raises " << c["error"];
    } catch (const dseek::Error& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what() << "\nwant: " << want;
    }
    return;
  }
  std::string got;
  try {
    got = encode_messages(c["messages"], options_from_fields(c["kwargs"]));
  } catch (const dseek::Error& e) {
    FAIL() << "unexpected error: " << e.what();
  }
  EXPECT_EQ(got, c["output"].get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Vectors, EncodeV4Vector, ::testing::ValuesIn(encode_cases()), test::IdName());

TEST(EncodeV4Vectors, AllPresent) {
  ASSERT_EQ(encode_cases().size(), 35u) << "vectors/chat-v4/encode.jsonl missing or changed";
  size_t errors = 0;
  for (const Json& c : encode_cases()) errors += c.contains("error");
  EXPECT_EQ(errors, 2u);
}

// The encoder's own test suite (encoding_dsv4.py's test cases 1-4): inputs 1-3 in thinking
// mode (input 1's tools go onto its first message), 4 in chat mode; cases 1 and 2 also
// parse assistant turns back out of the prompt.
Json official_input(int n) {
  return Json::parse(test::read_text(test::vector_path("official_tests/test_input_" + std::to_string(n) + ".json")));
}
std::string official_output(int n) {
  return test::read_text(test::vector_path("official_tests/test_output_" + std::to_string(n) + ".txt"));
}

TEST(EncodeV4Official, Case1ThinkingWithTools) {
  Json in = official_input(1);
  Json messages = in["messages"];
  messages[0]["tools"] = in["tools"];
  EncodeOptions opt;
  opt.thinking = true;
  const std::string prompt = encode_messages(messages, opt);
  ASSERT_EQ(prompt, official_output(1));

  const std::string marker = "<｜Assistant｜><think>";
  size_t first = prompt.find(marker) + marker.size();
  size_t first_end = prompt.find("<｜User｜>", first);
  AssistantMessage call = parse_completion(prompt.substr(first, first_end - first), true);
  EXPECT_EQ(call.reasoning_content, "The user wants to know the weather in Beijing. I should use the get_weather tool.");
  EXPECT_EQ(call.content, "");
  ASSERT_EQ(call.tool_calls.size(), 1u);
  EXPECT_EQ(call.tool_calls[0].name, "get_weather");
  EXPECT_EQ(nlohmann::json::parse(call.tool_calls[0].arguments),
            nlohmann::json::parse(R"({"location": "Beijing", "unit": "celsius"})"));

  AssistantMessage last = parse_completion(prompt.substr(prompt.rfind(marker) + marker.size()), true);
  EXPECT_EQ(last.reasoning_content, "Got the weather data. Let me format a nice response.");
  EXPECT_NE(last.content.find("22°C"), std::string::npos);
  EXPECT_TRUE(last.tool_calls.empty());
}

TEST(EncodeV4Official, Case2ThinkingDropsEarlierReasoning) {
  EncodeOptions opt;
  opt.thinking = true;
  const std::string prompt = encode_messages(official_input(2), opt);
  ASSERT_EQ(prompt, official_output(2));
  const std::string marker = "<｜Assistant｜><think>";
  AssistantMessage last = parse_completion(prompt.substr(prompt.rfind(marker) + marker.size()), true);
  EXPECT_EQ(last.reasoning_content, "The user asks about the capital of France. It is Paris.");
  EXPECT_EQ(last.content, "The capital of France is Paris.");
  EXPECT_TRUE(last.tool_calls.empty());
  EXPECT_EQ(prompt.find("The user said hello"), std::string::npos);
}

TEST(EncodeV4Official, Case3InterleavedThinkingAndSearch) {
  EncodeOptions opt;
  opt.thinking = true;
  EXPECT_EQ(encode_messages(official_input(3), opt), official_output(3));
}

TEST(EncodeV4Official, Case4QuickInstructionTaskInChatMode) {
  EXPECT_EQ(encode_messages(official_input(4), EncodeOptions{}), official_output(4));
}

// Rules beyond the vectors.
Json msgs(const char* text) { return Json::parse(text); }

TEST(EncodeV4, OptionErrors) {
  EXPECT_THROW(options_from_fields(msgs(R"({"thinking_mode": "deep"})")), dseek::Error);
  try {
    options_from_fields(msgs(R"({"thinking_mode": "deep"})"));
  } catch (const dseek::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Invalid thinking_mode `deep`"), std::string::npos) << e.what();
  }
  EXPECT_THROW(options_from_fields(msgs(R"({"reasoning_effort": "medium"})")), dseek::Error);
  EXPECT_THROW(options_from_fields(msgs(R"({"drop_thinking": 1})")), dseek::Error);
  EXPECT_THROW(options_from_fields(msgs(R"({"context": {}})")), dseek::Error);
  EncodeOptions opt = options_from_fields(msgs(R"({"model": "x", "reasoning_effort": "max", "add_default_bos_token": false})"), true);
  EXPECT_TRUE(opt.thinking);
  EXPECT_EQ(opt.reasoning_effort, ReasoningEffort::Max);
  EXPECT_FALSE(opt.add_bos);
  EXPECT_TRUE(opt.drop_thinking);
}

TEST(EncodeV4, MaxEffortOnlyInThinkingMode) {
  EncodeOptions opt;
  opt.reasoning_effort = ReasoningEffort::Max;
  EXPECT_EQ(encode_messages(msgs(R"([{"role": "user", "content": "q"}])"), opt),
            "<｜begin▁of▁sentence｜><｜User｜>q<｜Assistant｜></think>");
  opt.thinking = true;
  std::string p = encode_messages(msgs(R"([{"role": "user", "content": "q"}])"), opt);
  EXPECT_EQ(p.rfind("<｜begin▁of▁sentence｜>Reasoning Effort: Absolute maximum", 0), 0u);
  EXPECT_TRUE(p.ends_with("unchecked.\n\n<｜User｜>q<｜Assistant｜><think>")) << p;
}

TEST(EncodeV4, ConsecutiveUserMessagesAreOneTurn) {
  EXPECT_EQ(encode_messages(msgs(R"([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])"), {}),
            "<｜begin▁of▁sentence｜><｜User｜>a\n\nb<｜Assistant｜></think>");
  // A user message with a task is not merged into.
  EXPECT_EQ(encode_messages(msgs(R"([{"role": "user", "content": "a", "task": "query"},
                                     {"role": "user", "content": "b"}])"), {}),
            "<｜begin▁of▁sentence｜><｜User｜>a<｜User｜>b<｜Assistant｜></think>");
}

TEST(EncodeV4, ToolResultsSortedByCallIdAndNonJsonArguments) {
  const Json m = msgs(R"([
    {"role": "user", "content": "go"},
    {"role": "assistant", "tool_calls": [
      {"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
      {"id": "b", "type": "function", "function": {"name": "g", "arguments": {"x": 1}}}]},
    {"role": "tool", "tool_call_id": "b", "content": "B"},
    {"role": "tool", "tool_call_id": "a", "content": [{"type": "text", "text": "A1"}, {"type": "text", "text": "A2"}]}])");
  EXPECT_EQ(encode_messages(m, {}),
            "<｜begin▁of▁sentence｜><｜User｜>go<｜Assistant｜></think>\n\n<｜DSML｜tool_calls>\n"
            "<｜DSML｜invoke name=\"f\">\n\n</｜DSML｜invoke>\n"
            "<｜DSML｜invoke name=\"g\">\n<｜DSML｜parameter name=\"arguments\" string=\"false\">{\"x\": 1}</｜DSML｜parameter>\n"
            "</｜DSML｜invoke>\n</｜DSML｜tool_calls><｜end▁of▁sentence｜>"
            "<｜User｜><tool_result>A1\n\nA2</tool_result>\n\n<tool_result>B</tool_result><｜Assistant｜></think>");
}

TEST(EncodeV4, ToolsAnywhereKeepReasoning) {
  // Tools on a system message keep earlier reasoning in thinking mode (drop_thinking off).
  const Json m = msgs(R"([
    {"role": "system", "content": "S", "tools": [{"type": "function", "function": {"name": "f"}}]},
    {"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "reasoning_content": "r"},
    {"role": "user", "content": "c"}])");
  EncodeOptions opt;
  opt.thinking = true;
  std::string p = encode_messages(m, opt);
  EXPECT_NE(p.find("<｜User｜>a<｜Assistant｜><think>r</think>b<｜end▁of▁sentence｜><｜User｜>c<｜Assistant｜><think>"),
            std::string::npos)
      << p;
}

TEST(EncodeV4, Errors) {
  auto error_of = [](const char* messages) -> std::string {
    try {
      encode_messages(Json::parse(messages), {});
    } catch (const dseek::Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of(R"([{"role": "developer", "content": ""}])").find("Invalid message for role `developer`"), std::string::npos);
  EXPECT_NE(error_of(R"([{"role": "user", "content": "x"}, {"role": "narrator", "content": "y"}])").find("messages[1]: Unknown role: narrator"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"role": "user", "content": [{"type": "text", "text": "x"}]}])").find("messages[0]"), std::string::npos);
  EXPECT_NE(error_of(R"([{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "[1]"}}]}])")
                .find("messages[1].tool_calls[0]"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"role": "user"})").find("messages must be an array"), std::string::npos);
  // A task is checked where the reference checks it: before an assistant turn or at the end.
  EXPECT_NE(error_of(R"([{"role": "user", "content": "x", "task": 3}])").find("Invalid task: '3'"), std::string::npos);
  EXPECT_EQ(error_of(R"([{"role": "system", "content": "x", "task": "bogus"}, {"role": "user", "content": "y"}])"), "");
}

}  // namespace
}  // namespace dseek::chat::v4
