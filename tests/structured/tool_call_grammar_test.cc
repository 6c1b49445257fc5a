// The DSML tool-call grammar (structured/tool_call_grammar.h) byte by byte: it accepts every
// tool-call block of chat/parse.jsonl written in the encoder's spelling when its tools are
// offered, and refuses wrong names, missing or misordered parameters, bad JSON in
// string="false" parameters, and schema keywords it cannot enforce.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "grammar/automaton.h"
#include "runtime/error.h"
#include "structured/tool_call_grammar.h"
#include "test_paths.h"

namespace dseek::structured {
namespace {

using Json = nlohmann::ordered_json;

const std::string kOpen = "\n\n<｜DSML｜function_calls>\n";
const std::string kClose = "</｜DSML｜function_calls>";

bool accepts(const std::shared_ptr<const grammar::Grammar>& g, const std::string& text) {
  grammar::Automaton a(g);
  const int32_t s = a.walk(a.start(), text);
  return s != grammar::Automaton::kDead && a.accepting(s);
}

// A viable prefix: some continuation completes it.
bool viable(const std::shared_ptr<const grammar::Grammar>& g, const std::string& text) {
  grammar::Automaton a(g);
  return a.walk(a.start(), text) != grammar::Automaton::kDead;
}

Json tool(const std::string& name, const Json& parameters = Json(), bool strict = false) {
  Json f = {{"name", name}};
  if (!parameters.is_null()) f["parameters"] = parameters;
  if (strict) f["strict"] = true;
  return {{"type", "function"}, {"function", f}};
}

std::string invoke(const std::string& name, const std::string& params) {
  return "<｜DSML｜invoke name=\"" + name + "\">\n" + params + "</｜DSML｜invoke>\n";
}
std::string param(const std::string& k, const std::string& v, bool str) {
  return "<｜DSML｜parameter name=\"" + k + "\" string=\"" + (str ? "true" : "false") + "\">" + v + "</｜DSML｜parameter>\n";
}
std::string block(const std::string& invokes) { return kOpen + invokes + kClose; }

const Json kWeather = Json::parse(R"({"type": "object", "properties": {
  "location": {"type": "string", "maxLength": 20},
  "unit": {"$ref": "#/$defs/unit"},
  "days": {"type": "integer", "minimum": 1, "maximum": 14}},
  "required": ["location"], "additionalProperties": false,
  "$defs": {"unit": {"enum": ["celsius", "fahrenheit"]}}})");

TEST(ToolCallGrammar, AcceptsTheEncodersBlocksOfParseVectors) {
  // Spellings the parser takes but the encoder never writes (the grammar is canonical).
  const std::set<std::string> off_canon = {"parse-tool_calls-08",  // string="false">not json
                                           "parse-tool_calls-09",  // spaces before name=
                                           "parse-tool_calls-10",  // an empty line before the parameters
                                           "parse-malformed-17"};  // <\n/｜DSML｜parameter>
  const std::string path = test::data_path("vectors/chat/parse.jsonl");
  ASSERT_FALSE(path.empty());
  std::ifstream in(path);
  int accepted = 0, refused = 0;
  for (std::string line; std::getline(in, line);) {
    const Json c = Json::parse(line);
    const Json& exp = c["expected"];
    if (exp.contains("error") || exp["message"]["tool_calls"].empty()) continue;
    const std::string text = c["input"]["text"];
    const size_t from = text.find("\n\n<｜DSML｜function_calls");
    const size_t to = text.find(kClose);
    ASSERT_NE(from, std::string::npos);
    if (to == std::string::npos) continue;  // parse-malformed-15: ends inside the block
    const std::string blk = text.substr(from, to + kClose.size() - from);
    ToolCallRules rules;
    std::set<std::string> names;
    for (const auto& call : exp["message"]["tool_calls"]) names.insert(call["function"]["name"].get<std::string>());
    for (const auto& n : names) rules.tools.push_back(tool(n));
    const bool ok = accepts(tool_call_grammar(rules), blk);
    EXPECT_EQ(ok, !off_canon.count(c["case_id"])) << c["case_id"];
    (ok ? accepted : refused)++;
    // Not offered: refused.
    rules.tools = Json::array({tool("other_tool")});
    EXPECT_FALSE(accepts(tool_call_grammar(rules), blk)) << c["case_id"];
  }
  EXPECT_EQ(accepted, 9);
  EXPECT_EQ(refused, 4);
}

TEST(ToolCallGrammar, StrictToolFollowsItsSchema) {
  ToolCallRules rules;
  rules.tools = Json::array({tool("get_weather", kWeather, true), tool("noop")});
  const auto g = tool_call_grammar(rules);
  const std::string berlin = param("location", "Berlin", true);
  EXPECT_TRUE(accepts(g, block(invoke("get_weather", berlin))));
  EXPECT_TRUE(accepts(g, block(invoke("get_weather", berlin + param("unit", "celsius", true) + param("days", "3", false)))));
  EXPECT_TRUE(accepts(g, block(invoke("get_weather", param("location", "a \"b\" <c>\nd ✓", true)))));
  EXPECT_TRUE(accepts(g, block(invoke("get_weather", berlin) + invoke("noop", "\n") + invoke("noop", ""))));
  EXPECT_TRUE(accepts(g, block(invoke("noop", param("x", "[1, {\"a\": null}]", false) + param("y", "free text", true)))));

  EXPECT_FALSE(accepts(g, block(invoke("get_weather", "\n"))));                                     // required missing
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", param("unit", "celsius", true)))));           // required missing
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", param("days", "3", false) + berlin))));       // declared order
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", berlin + param("unit", "kelvin", true)))));   // enum
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", berlin + param("days", "15", false)))));      // maximum
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", berlin + param("days", "three", false)))));   // not JSON
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", berlin + param("days", "3", true)))));        // integer as text
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", param("location", "\"Berlin\"", false)))));  // string as JSON
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", berlin + param("extra", "1", false)))));      // not declared
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", param("location", std::string(21, 'x'), true)))));  // maxLength
  EXPECT_FALSE(accepts(g, block(invoke("get_weather", param("location", "a｜b", true)))));          // no DSML bar in text
  EXPECT_FALSE(accepts(g, block(invoke("noop", param("x", "{\"a\":1}", false)))));                   // not canonical JSON
  EXPECT_FALSE(accepts(g, block(invoke("get_weathr", berlin))));                                      // name not offered
  EXPECT_FALSE(accepts(g, block("")));                                                                 // no call
  EXPECT_FALSE(accepts(g, kOpen + invoke("noop", "")));                                               // unclosed
  EXPECT_FALSE(accepts(g, "Sure." + block(invoke("noop", ""))));                                       // text first
  EXPECT_TRUE(viable(g, "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"get_"));
}

TEST(ToolCallGrammar, NamedToolAndSingleCall) {
  ToolCallRules rules;
  rules.tools = Json::array({tool("a"), tool("b")});
  rules.only = "b";
  rules.parallel = false;
  const auto g = tool_call_grammar(rules);
  EXPECT_TRUE(accepts(g, block(invoke("b", "\n"))));
  EXPECT_FALSE(accepts(g, block(invoke("a", "\n"))));
  EXPECT_FALSE(accepts(g, block(invoke("b", "\n") + invoke("b", "\n"))));
  rules.only = "c";
  EXPECT_THROW(tool_call_grammar(rules), Error);
}

TEST(ToolCallGrammar, StrictSchemasItCannotEnforceAreRefusedNamingTheTool) {
  ToolCallRules rules;
  rules.tools = Json::array({tool("ok"), tool("f", Json::parse(R"({"type": "object", "properties":
      {"email": {"type": "string", "format": "hostname"}}})"), true)});
  try {
    tool_call_grammar(rules);
    FAIL() << "no error";
  } catch (const grammar::SchemaError& e) {
    EXPECT_NE(std::string(e.what()).find("tools[1].function.parameters: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'format'"), std::string::npos) << e.what();
  }
  rules.tools = Json::array({tool("f", Json::parse(R"({"anyOf": [{"type": "object"}]})"), true)});
  EXPECT_THROW(tool_call_grammar(rules), grammar::SchemaError);
  rules.tools = Json::array({tool("f", Json::parse(R"({"properties": {"a": {}}, "required": ["b"]})"), true)});
  EXPECT_THROW(tool_call_grammar(rules), grammar::SchemaError);
  // The same schema without strict: free-form arguments, nothing compiled.
  rules.tools = Json::array({tool("f", Json::parse(R"({"properties": {"a": {"minProperties": 1}}})"))});
  EXPECT_TRUE(accepts(tool_call_grammar(rules), block(invoke("f", param("zz", "1", false)))));
  EXPECT_TRUE(any_strict_tool(Json::array({tool("x"), tool("y", Json(), true)})));
  EXPECT_FALSE(any_strict_tool(Json::array({tool("x")})));
}

TEST(ToolCallGrammar, StrictToolWithoutParametersOrWithExtras) {
  ToolCallRules rules;
  rules.tools = Json::array({tool("now", Json(), true)});
  auto g = tool_call_grammar(rules);
  EXPECT_TRUE(accepts(g, block(invoke("now", "\n"))));
  EXPECT_FALSE(accepts(g, block(invoke("now", param("a", "1", false)))));
  rules.tools = Json::array({tool("kv", Json::parse(R"({"type": "object", "properties": {"id": {"type": "integer"}},
      "required": ["id"], "additionalProperties": {"type": "boolean"}})"), true)});
  g = tool_call_grammar(rules);
  EXPECT_TRUE(accepts(g, block(invoke("kv", param("id", "7", false) + param("flag", "true", false)))));
  EXPECT_FALSE(accepts(g, block(invoke("kv", param("id", "7", false) + param("flag", "1", false)))));
}

}  // namespace
}  // namespace dseek::structured
