// chat/encode.jsonl: every vector's exact prompt (and its token ids when the tokenizer is
// built), or an error where the reference raises. The one documented exception is the
// reference_quirk case, which renders like its drop_thinking=false twin.
#include <gtest/gtest.h>

#include <memory>

#include "chat/encode.h"
#include "runtime/error.h"
#include "vectors.h"

#if __has_include("tokenizer/tokenizer.h") && !defined(DSEEK_CHAT_TESTS_NO_TOKENIZER)
#include "tokenizer/tokenizer.h"
#define DSEEK_CHAT_HAVE_TOKENIZER 1
#endif

namespace dseek::chat {
namespace {

using test::load_vectors;

const std::vector<Json>& encode_cases() {
  static const std::vector<Json> cases = load_vectors("encode.jsonl");
  return cases;
}

EncodeOptions options_of(const Json& input) {
  EncodeOptions opt;
  opt.thinking = thinking_from_mode(input["thinking_mode"].get<std::string>());
  opt.drop_thinking = input.value("drop_thinking", true);
  opt.add_bos = input.value("add_default_bos_token", true);
  opt.context = input.contains("context") ? input["context"] : Json();
  return opt;
}

std::string encode_input(const Json& input) { return encode_messages(input["messages"], options_of(input)); }

#ifdef DSEEK_CHAT_HAVE_TOKENIZER
// The real tokenizer: the repo's copy (models/nano-agent ships tokenizer_v32.json as
// tokenizer.json), else shared/models/deepseek-v3-tokenizer.
template <class T>
auto& deref(T& t) {
  if constexpr (requires { *t; }) {
    return *t;
  } else {
    return t;
  }
}
std::vector<int32_t> tokenize(const std::string& text) {
  static auto tok = [] {
    std::string path = dseek::test::repo_dir() + "/models/nano-agent/tokenizer.json";
    if (!std::filesystem::exists(path)) path = dseek::test::data_path("models/deepseek-v3-tokenizer/tokenizer_v32.json");
    return dseek::Tokenizer::load(path);
  }();
  auto ids = deref(tok).encode(text);
  return std::vector<int32_t>(ids.begin(), ids.end());
}
#endif

class EncodeVector : public ::testing::TestWithParam<Json> {};

TEST_P(EncodeVector, Prompt) {
  const Json& c = GetParam();
  const Json& input = c["input"];
  const Json& expected = c["expected"];
  SCOPED_TRACE(c["case_id"].get<std::string>() + ": " + c["description"].get<std::string>());

  if (c["kind"] == "reference_quirk") {
    // Documented exception (CHAT_FORMAT.md section 6): the reference fails here; we render
    // it as with drop_thinking=false, i.e. like its non-quirk twin.
    Json twin_input = input;
    twin_input["drop_thinking"] = false;
    std::string got, twin;
    ASSERT_NO_THROW(got = encode_input(input));
    ASSERT_NO_THROW(twin = encode_input(twin_input));
    EXPECT_EQ(got, twin);
    // The twin vector (same messages, drop_thinking=false), when this file has it.
    for (const Json& other : encode_cases()) {
      if (other["kind"] != "reference_quirk" && other["input"] == twin_input && other["expected"].contains("prompt")) {
        EXPECT_EQ(got, other["expected"]["prompt"].get<std::string>()) << "twin " << other["case_id"];
      }
    }
    return;
  }

  if (expected.contains("error")) {
    EXPECT_THROW(encode_input(input), dseek::Error) << "reference raises: " << expected["error"].dump();
    return;
  }

  std::string got;
  try {
    got = encode_input(input);
  } catch (const dseek::Error& e) {
    FAIL() << "unexpected error: " << e.what();
  }
  EXPECT_EQ(got, expected["prompt"].get<std::string>());

#ifdef DSEEK_CHAT_HAVE_TOKENIZER
  EXPECT_EQ(tokenize(got), expected["prompt_ids"].get<std::vector<int32_t>>());
#endif
}

INSTANTIATE_TEST_SUITE_P(Vectors, EncodeVector, ::testing::ValuesIn(encode_cases()), test::CaseName());

TEST(EncodeVectors, AllPresent) {
  ASSERT_FALSE(encode_cases().empty()) << "vectors/chat/encode.jsonl not found";
  EXPECT_GE(encode_cases().size(), 44u);
}

// Prefix property (CHAT_FORMAT.md section 3): encode(A) + encode(B, context=A) == encode(A+B)
// when B adds no user or developer message.
TEST(EncodeVectors, ContextPrefixProperty) {
  int checked = 0;
  for (const Json& c : encode_cases()) {
    const Json& input = c["input"];
    if (!input["context"].is_array() || !c["expected"].contains("prompt")) continue;
    bool adds_user = false;
    for (const Json& m : input["messages"]) adds_user |= m["role"] == "user" || m["role"] == "developer";
    if (adds_user) continue;
    SCOPED_TRACE(c["case_id"].get<std::string>());
    EncodeOptions opt = options_of(input);
    Json all = input["context"];
    for (const Json& m : input["messages"]) all.push_back(m);
    EncodeOptions whole = opt;
    whole.context = nullptr;
    EncodeOptions head = whole;
    EXPECT_EQ(encode_messages(input["context"], head) + encode_messages(input["messages"], opt),
              encode_messages(all, whole));
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(Encode, ThinkingModeNames) {
  EXPECT_TRUE(thinking_from_mode("thinking"));
  EXPECT_FALSE(thinking_from_mode("chat"));
  EXPECT_THROW(thinking_from_mode("think"), dseek::Error);
}

Json user(const std::string& text) { return Json{{"role", "user"}, {"content", text}}; }

TEST(Encode, RejectsShapesTheReferenceCannotRender) {
  EncodeOptions opt;
  EXPECT_THROW(encode_messages(Json::object(), opt), dseek::Error);
  EXPECT_THROW(encode_messages(Json::array({Json{{"content", "x"}}}), opt), dseek::Error);
  EXPECT_THROW(encode_messages(Json::array({Json{{"role", "user"}}}), opt), dseek::Error);
  EXPECT_THROW(encode_messages(Json::array({Json{{"role", "narrator"}, {"content", "x"}}}), opt), dseek::Error);
  // Arguments must be a JSON text of an object, given as a string.
  auto call_with = [&](Json args) {
    Json call = {{"type", "function"}, {"function", {{"name", "f"}, {"arguments", args}}}};
    return Json::array({user("q"), Json{{"role", "assistant"}, {"content", ""}, {"tool_calls", {call}}}});
  };
  EXPECT_NO_THROW(encode_messages(call_with("{\"a\": 1}"), opt));
  EXPECT_THROW(encode_messages(call_with(Json{{"a", 1}}), opt), dseek::Error);
  EXPECT_THROW(encode_messages(call_with("[1]"), opt), dseek::Error);
  EXPECT_THROW(encode_messages(call_with("{\"a\": 1,}"), opt), dseek::Error);
  try {
    encode_messages(call_with("{\"a\": }"), opt);
    FAIL();
  } catch (const dseek::Error& e) {
    EXPECT_NE(std::string(e.what()).find("messages[1].tool_calls[0]"), std::string::npos) << e.what();
  }
}

TEST(Encode, PythonArgumentFormatting) {
  Json call = {{"type", "function"},
               {"function", {{"name", "f"}, {"arguments", R"({"a": NaN, "b": -Infinity, "c": 1e400, "a": 2, "d": "x\u00e9\n"})"}}}};
  Json msgs = Json::array({user("q"), Json{{"role", "assistant"}, {"tool_calls", {call}}}});
  std::string got = encode_messages(msgs, EncodeOptions{});
  EXPECT_NE(got.find(R"(<｜DSML｜parameter name="a" string="false">2</｜DSML｜parameter>
<｜DSML｜parameter name="b" string="false">-Infinity</｜DSML｜parameter>
<｜DSML｜parameter name="c" string="false">Infinity</｜DSML｜parameter>
<｜DSML｜parameter name="d" string="true">xé
</｜DSML｜parameter>)"),
            std::string::npos)
      << got;
}

TEST(Encode, ToolResultsBookkeeping) {
  Json call = {{"type", "function"}, {"function", {{"name", "f"}, {"arguments", "{}"}}}};
  Json a = {{"role", "assistant"}, {"content", ""}, {"tool_calls", {call, call}}};
  Json t = {{"role", "tool"}, {"content", "r"}};
  EncodeOptions opt;
  // Two calls, two results: the block closes after the second one.
  std::string two = encode_messages(Json::array({user("q"), a, t, t}), opt);
  EXPECT_TRUE(two.ends_with("\n\n<function_results>\n<result>r</result>\n<result>r</result>\n</function_results>\n\n</think>"))
      << two;
  EXPECT_THROW(encode_messages(Json::array({user("q"), a, t, t, t}), opt), dseek::Error);
  EXPECT_THROW(encode_messages(Json::array({user("q"), t}), opt), dseek::Error);
  EXPECT_THROW(encode_messages(Json::array({t, t}), opt), dseek::Error);
}

}  // namespace
}  // namespace dseek::chat
