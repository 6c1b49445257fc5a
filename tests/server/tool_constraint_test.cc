// Tool calls constrained during decoding (V3.2, the built-in model): tool_choice "required" /
// a named function make every sampled answer (temperature 1, several seeds, n = 3) a call of
// an offered tool whose arguments validate against its strict schema (Debian's valijson);
// with tool_choice "auto", strict tools leave an answer without a block alone and a call the
// model writes anyway unchanged when it already conforms.
#include <gtest/gtest.h>

#include <string>

#include "valijson_check.h"

#include "server/test_util.h"

namespace dseek::server::test {

using dseek::test::validates;

namespace {

// Bounded strings and numbers, so the junk-writing model at temperature 1 always completes.
const char* kWeather = R"({"type": "object", "properties": {
  "location": {"type": "string", "maxLength": 16}, "unit": {"enum": ["celsius", "fahrenheit"]},
  "days": {"type": "integer", "minimum": 1, "maximum": 14}}, "required": ["location", "unit", "days"],
  "additionalProperties": false})";
const char* kSearch = R"({"type": "object", "properties": {
  "query": {"type": "string", "minLength": 1, "maxLength": 12}, "limit": {"type": ["integer", "null"], "maximum": 50},
  "exact": {"type": "boolean"}}, "required": ["query", "exact"], "additionalProperties": false})";

json strict_tools() {
  json tools = json::array();
  for (auto [name, schema] : {std::pair{"get_weather", kWeather}, std::pair{"search", kSearch}})
    tools.push_back({{"type", "function"}, {"function", {{"name", name}, {"parameters", json::parse(schema)}, {"strict", true}}}});
  return tools;
}

class ToolConstraint : public SharedServerTest {
 protected:
  static json post(const json& req, int want = 200) {
    auto c = server_->client();
    auto r = c.Post("/v1/chat/completions", req.dump(), "application/json");
    if (!r) throw std::runtime_error("no response");
    EXPECT_EQ(r->status, want) << r->body;
    return json::parse(r->body);
  }
  static json request(const json& tools, const json& tool_choice) {
    json r = {{"messages", json::array({{{"role", "user"}, {"content", "What is the weather in Oslo for the next days?"}}})},
              {"tools", tools}, {"temperature", 1.0}, {"n", 3}, {"max_tokens", 200}};
    if (!tool_choice.is_null()) r["tool_choice"] = tool_choice;
    return r;
  }
  // Every choice is exactly one call (several when `parallel`) of an offered tool (of
  // `only` when given) whose arguments validate.
  static void expect_valid_calls(const json& res, const std::string& only, bool parallel) {
    const json tools = strict_tools();
    ASSERT_EQ(res["choices"].size(), 3u);
    for (const auto& ch : res["choices"]) {
      EXPECT_EQ(ch["finish_reason"], "tool_calls") << ch.dump();
      const json& calls = ch["message"]["tool_calls"];
      ASSERT_GE(calls.size(), 1u) << ch.dump();
      if (!parallel) {
        EXPECT_EQ(calls.size(), 1u);
      }
      for (const auto& call : calls) {
        const std::string name = call["function"]["name"];
        if (!only.empty()) {
          EXPECT_EQ(name, only);
        }
        const json* schema = nullptr;
        for (const auto& t : tools)
          if (t["function"]["name"] == name) schema = &t["function"]["parameters"];
        ASSERT_NE(schema, nullptr) << name;
        const json args = json::parse(call["function"]["arguments"].get<std::string>());
        std::string why;
        EXPECT_TRUE(validates(*schema, args, &why)) << args.dump() << ": " << why;
      }
    }
  }
};

TEST_F(ToolConstraint, RequiredCallsValidateAcrossSeeds) {
  for (int seed : {1, 2}) {
    json req = request(strict_tools(), "required");
    req["seed"] = seed;
    req["parallel_tool_calls"] = false;
    expect_valid_calls(post(req), "", false);
  }
}

TEST_F(ToolConstraint, NamedFunctionIsTheOneCalled) {
  for (int seed : {4}) {
    json req = request(strict_tools(), {{"type", "function"}, {"function", {{"name", "search"}}}});
    req["seed"] = seed;
    expect_valid_calls(post(req), "search", true);
  }
}

TEST_F(ToolConstraint, AutoWithStrictToolsKeepsAConformingCall) {
  // The calculator prompt: the model calls calculator({"expression": ...}) on its own. With
  // the tools strict (rendered with "strict": true, so the prompt differs by that only) the
  // same call passes the constraint token for token.
  json plain = calculator_request();
  json strict = plain;
  for (auto& t : strict["tools"]) t["function"]["strict"] = true;
  const json a = post(plain), b = post(strict);
  ASSERT_EQ(a["choices"][0]["message"]["tool_calls"].size(), 1u) << a.dump();
  ASSERT_EQ(b["choices"][0]["message"]["tool_calls"].size(), 1u) << b.dump();
  EXPECT_EQ(b["choices"][0]["message"]["tool_calls"][0]["function"], a["choices"][0]["message"]["tool_calls"][0]["function"]);
  EXPECT_EQ(b["usage"]["completion_tokens"], a["usage"]["completion_tokens"]);
}

TEST_F(ToolConstraint, AutoWithStrictToolsAnswersOrCallsValidly) {
  // Sampled answers to a greeting: plain text (the constraint never starts) or, when the
  // model opens a block, calls whose arguments validate.
  int texts = 0, calls = 0;
  for (int seed : {6, 7}) {
    json req = request(strict_tools(), json());
    req["messages"][0]["content"] = "Hello";
    req["seed"] = seed;
    const json res = post(req);
    for (const auto& ch : res["choices"]) {
      if (ch["message"].contains("tool_calls")) {
        ++calls;
        json one = res;
        one["choices"] = json::array({ch, ch, ch});
        expect_valid_calls(one, "", true);
      } else {
        ++texts;
        EXPECT_EQ(ch["finish_reason"], "stop") << ch.dump();
        EXPECT_FALSE(ch["message"]["content"].get<std::string>().empty());
      }
    }
  }
  EXPECT_EQ(texts + calls, 6);
}

TEST_F(ToolConstraint, ThinkingModeCallsAfterTheReasoning) {
  json req = request(strict_tools(), {{"type", "function"}, {"function", {{"name", "get_weather"}}}});
  req["thinking"] = {{"type", "enabled"}};
  req["temperature"] = 0;
  req["n"] = 1;
  req["max_tokens"] = 400;
  const json res = post(req);
  const json& ch = res["choices"][0];
  EXPECT_FALSE(ch["message"]["reasoning_content"].get<std::string>().empty()) << ch.dump();
  ASSERT_EQ(ch["message"]["tool_calls"].size(), 1u) << ch.dump();
  EXPECT_EQ(ch["message"]["tool_calls"][0]["function"]["name"], "get_weather");
  std::string why;
  EXPECT_TRUE(validates(json::parse(kWeather), json::parse(ch["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>()), &why))
      << why;
}

TEST_F(ToolConstraint, UnsupportedStrictSchemaIs400NamingTheTool) {
  json tools = strict_tools();
  tools[1]["function"]["parameters"]["properties"]["query"]["pattern"] = "^[a-z]+$";  // beside min/maxLength: unsupported
  const json r = post(request(tools, "required"), 400);
  EXPECT_EQ(r["error"]["param"], "tools[1].function.parameters");
  EXPECT_EQ(r["error"]["code"], "unsupported_schema");
  EXPECT_NE(r["error"]["message"].get<std::string>().find("'pattern'"), std::string::npos) << r.dump();
  tools[1]["function"]["strict"] = false;  // not strict: the schema is only rendered
  post(request(tools, "required"), 200);
}

}  // namespace
}  // namespace dseek::server::test
