// chat-v3/encode.jsonl (V3-0324's template) and chat-v3.1/encode.jsonl (V3.1's): every
// vector's exact prompt and its token ids under the V3.1 tokenizer (the built-in model's), or
// an error where the template raises. Also the request-level views: the template's (tools
// ignored) and the engine's (tools described in the system prompt).
#include <gtest/gtest.h>

#include <functional>

#include "chat/v3/v3.h"
#include "chat/v3_1/v3_1.h"
#include "runtime/error.h"
#include "tokenizer/tokenizer.h"
#include "v3_vectors.h"

namespace dseek::chat::v3 {
namespace {

using test::Case;

std::vector<int32_t> tokenize(const std::string& text) {
  static const Tokenizer tok = Tokenizer::load(dseek::test::repo_dir() + "/models/nano-agent/tokenizer.json");
  return tok.encode(text);
}

// The template's arguments: messages, add_generation_prompt, and for V3.1 the kwarg `thinking`.
std::string render(const Case& c) {
  const Json& in = c.v["input"];
  if (c.dir == "chat-v3") return encode_messages(in["messages"], in["add_generation_prompt"].get<bool>());
  v3_1::EncodeOptions opt;
  opt.add_generation_prompt = in["add_generation_prompt"].get<bool>();
  auto t = in["template_kwargs"].find("thinking");
  opt.thinking = t != in["template_kwargs"].end() && py_truthy(*t);
  return v3_1::encode_messages(in["messages"], opt);
}

class EncodeV3Vector : public ::testing::TestWithParam<Case> {};

TEST_P(EncodeV3Vector, ExactPromptOrError) {
  const Case& c = GetParam();
  const Json& expected = c.v["expected"];
  if (expected.contains("error")) {
    EXPECT_THROW(render(c), dseek::Error);
    return;
  }
  const std::string got = render(c);
  ASSERT_EQ(got, expected["prompt"].get<std::string>());
  // V3's own tokenizer reads "</think>" as 3 tokens; the built-in one (V3.1's) as 1.
  const Json& ids = expected.contains("prompt_ids_v31_tokenizer") ? expected["prompt_ids_v31_tokenizer"] : expected["prompt_ids"];
  EXPECT_EQ(tokenize(got), ids.get<std::vector<int32_t>>());
}

// The request body of `dseek template`: the vector's input with template_kwargs as
// chat_template_kwargs gives the same prompt through template_prompt (tools ignored).
TEST_P(EncodeV3Vector, TemplatePromptOfTheRequest) {
  const Case& c = GetParam();
  Json body = c.v["input"];
  body["chat_template_kwargs"] = body["template_kwargs"];
  body.erase("template_kwargs");
  auto prompt = [&] { return c.dir == "chat-v3" ? template_prompt(body) : v3_1::template_prompt(body, false); };
  if (c.v["expected"].contains("error")) {
    EXPECT_THROW(prompt(), dseek::Error);
  } else {
    EXPECT_EQ(prompt(), c.v["expected"]["prompt"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, EncodeV3Vector, ::testing::ValuesIn(test::cases("encode.jsonl")), test::CaseName());

TEST(EncodeV3, AllVectorsLoaded) {
  EXPECT_EQ(test::load_jsonl("chat-v3", "encode.jsonl").size(), 49u);
  EXPECT_EQ(test::load_jsonl("chat-v3.1", "encode.jsonl").size(), 53u);
}

const Json kTools = Json::parse(R"([{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city.",
  "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])");

// The engine's prompt: the model card's tool description after the system prompt.
TEST(RenderRequestV3_1, ToolsGoIntoTheSystemPrompt) {
  Json body = {{"messages", Json::array({Json{{"role", "system"}, {"content", "Be brief."}},
                                         Json{{"role", "user"}, {"content", "Berlin?"}}})},
               {"tools", kTools}};
  const std::string p = v3_1::render_request(body, false);
  const std::string want_head =
      "<｜begin▁of▁sentence｜>Be brief.\n\n## Tools\nYou have access to the following tools:\n\n### get_weather\n"
      "Description: Weather of a city.\n\nParameters: {\"type\": \"object\", \"properties\": {\"city\": {\"type\": "
      "\"string\"}}, \"required\": [\"city\"]}\n\nIMPORTANT: ALWAYS adhere to this exact format for tool use:\n"
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool_call_name<｜tool▁sep｜>tool_call_arguments<｜tool▁call▁end｜>"
      "{{additional_tool_calls}}<｜tool▁calls▁end｜>\n\nWhere:\n";
  EXPECT_EQ(p.substr(0, want_head.size()), want_head);
  const std::string tail = "without separators or spaces<｜User｜>Berlin?<｜Assistant｜></think>";
  EXPECT_EQ(p.substr(p.size() - tail.size()), tail);
  // Thinking opens the reasoning; without tools the prompt is the template's own.
  body.erase("tools");
  EXPECT_EQ(v3_1::render_request(body, true), "<｜begin▁of▁sentence｜>Be brief.<｜User｜>Berlin?<｜Assistant｜><think>");
  EXPECT_EQ(v3_1::template_prompt(body, true), v3_1::render_request(body, true));
}

// The same description matches the model-card vector (enc-tools-02) byte for byte, given its
// three tools.
TEST(RenderRequestV3_1, ModelCardVectorReproduced) {
  for (const Json& v : test::load_jsonl("chat-v3.1", "encode.jsonl")) {
    if (v["case_id"] != "enc-tools-02") continue;
    Json tools = Json::array();
    for (const Json& t : v["input"]["tools"])
      if (t["function"]["name"] != "list_files") tools.push_back(t);
    Json body = {{"messages", Json::array({Json{{"role", "system"}, {"content", "You are a helpful assistant."}},
                                           v["input"]["messages"][1]})},
                 {"tools", tools}};
    EXPECT_EQ(v3_1::render_request(body, false), v["expected"]["prompt"].get<std::string>());
    return;
  }
  FAIL() << "enc-tools-02 not found";
}

// V3: the fenced layout in the description, a new leading system message when there is none.
TEST(RenderRequestV3, ToolsGetASystemMessage) {
  const Json body = {{"messages", Json::array({Json{{"role", "user"}, {"content", "Berlin?"}}})}, {"tools", kTools}};
  const std::string p = render_request(body);
  EXPECT_EQ(p.rfind("<｜begin▁of▁sentence｜>## Tools\nYou have access to the following tools:\n\n### get_weather\n", 0), 0u) << p;
  EXPECT_NE(p.find("<｜tool▁call▁begin｜>function<｜tool▁sep｜>tool_call_name\n```json\ntool_call_arguments\n```<｜tool▁call▁end｜>"),
            std::string::npos);
  const std::string tail = "<｜User｜>Berlin?<｜Assistant｜>";
  EXPECT_EQ(p.substr(p.size() - tail.size()), tail);
  EXPECT_EQ(template_prompt(body), "<｜begin▁of▁sentence｜><｜User｜>Berlin?<｜Assistant｜>");
}

TEST(RenderRequestV3, BadRequestsNameTheField) {
  auto msg = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const dseek::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const Json user = Json::array({Json{{"role", "user"}, {"content", "x"}}});
  EXPECT_NE(msg([&] { template_prompt(Json{{"messages", "x"}}); }).find("messages"), std::string::npos);
  EXPECT_NE(msg([&] { template_prompt(Json{{"messages", user}, {"add_generation_prompt", 1}}); }).find("add_generation_prompt"),
            std::string::npos);
  EXPECT_NE(msg([&] { v3_1::template_prompt(Json{{"messages", user}, {"chat_template_kwargs", true}}, false); })
                .find("chat_template_kwargs"),
            std::string::npos);
  EXPECT_NE(msg([&] { render_request(Json{{"messages", user}, {"tools", Json::array({1})}}); }).find("tools[0]"),
            std::string::npos);
  const Json no_name = Json::parse(R"([{"role": "user", "content": "x"},
      {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"arguments": "{}"}}]}])");
  EXPECT_NE(msg([&] { encode_messages(no_name, true); }).find("messages[1].tool_calls[0].function"), std::string::npos);
  EXPECT_NE(msg([&] { v3_1::encode_messages(no_name, {}); }).find("messages[1].tool_calls[0].function"), std::string::npos);
}

}  // namespace
}  // namespace dseek::chat::v3
