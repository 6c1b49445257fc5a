// Structured output through the server: response_format json_schema / json_object constrain
// the built-in model's answer (unconstrained it writes junk or DSML tool calls), and every
// answer parses as JSON and validates against its schema (checked by an independent
// validator, Debian's valijson).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "valijson_check.h"

#include "server/test_util.h"

namespace dseek::server::test {

using dseek::test::validates;

namespace {

// Every string is bounded (maxLength) so the junk-writing model always completes the value.
const char* kObject = R"({"type": "object", "properties": {
  "name": {"type": "string", "maxLength": 12}, "age": {"type": "integer", "minimum": 0, "maximum": 150},
  "admin": {"type": "boolean"}}, "required": ["name", "age", "admin"], "additionalProperties": false})";
const char* kEnum = R"({"type": "object", "properties": {"color": {"enum": ["red", "green", "blue"]}},
  "required": ["color"], "additionalProperties": false})";
const char* kArray = R"({"type": "object", "properties": {"tags": {"type": "array",
  "items": {"type": "string", "maxLength": 6}, "minItems": 2, "maxItems": 3}}, "required": ["tags"],
  "additionalProperties": false})";
const char* kRef = R"({"type": "object", "definitions": {"point": {"type": "object",
  "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}, "required": ["x", "y"], "additionalProperties": false}},
  "properties": {"from": {"$ref": "#/definitions/point"}, "to": {"$ref": "#/definitions/point"}},
  "required": ["from", "to"], "additionalProperties": false})";

json chat_request(const json& response_format, const std::string& question, bool thinking = false) {
  json r = {{"messages", json::array({{{"role", "user"}, {"content", question}}})},
            {"temperature", 0},
            {"max_tokens", 400},
            {"response_format", response_format}};
  if (thinking) r["thinking"] = {{"type", "enabled"}};
  return r;
}

json schema_format(const char* schema, bool strict = true) {
  return {{"type", "json_schema"}, {"json_schema", {{"name", "answer"}, {"schema", json::parse(schema)}, {"strict", strict}}}};
}

class StructuredOutput : public SharedServerTest {
 protected:
  // The 200 answer of `req` at `path` (a thrown error otherwise, so callers fail at once).
  static json chat(const json& req, const std::string& path = "/v1/chat/completions") {
    auto c = server_->client();
    auto r = c.Post(path, req.dump(), "application/json");
    if (!r) throw std::runtime_error("no response");
    if (r->status != 200) throw std::runtime_error(std::to_string(r->status) + " " + r->body);
    return json::parse(r->body);
  }
  static std::string stream(const json& req) {
    auto c = server_->client();
    auto r = c.Post("/v1/chat/completions", req.dump(), "application/json");
    if (!r || r->status != 200) throw std::runtime_error("stream failed");
    return r->body;
  }
};

TEST_F(StructuredOutput, AnswersValidateAgainstEachSchema) {
  for (const char* schema : {kObject, kEnum, kArray, kRef}) {
    SCOPED_TRACE(schema);
    for (const char* question : {"Who are you?", "Tell me the result of 780/137."}) {
      json a = chat(chat_request(schema_format(schema), question));
      const json& choice = a["choices"][0];
      const std::string content = choice["message"]["content"];
      EXPECT_EQ(choice["finish_reason"], "stop") << content;
      EXPECT_FALSE(choice["message"].contains("tool_calls")) << content;
      json doc;
      ASSERT_NO_THROW(doc = json::parse(content)) << content;
      std::string why;
      EXPECT_TRUE(validates(json::parse(schema), doc, &why)) << content << ": " << why;
    }
  }
}

// Unconstrained, the calculator question gets a DSML tool call; with a schema, JSON.
TEST_F(StructuredOutput, ConstraintChangesTheToolCallIntoJson) {
  json free = calculator_request();
  free["max_tokens"] = 200;
  json a = chat(free);
  ASSERT_TRUE(a["choices"][0]["message"].contains("tool_calls"));
  json constrained = free;
  constrained["max_tokens"] = 400;
  constrained["response_format"] = schema_format(kEnum);
  json b = chat(constrained);
  EXPECT_FALSE(b["choices"][0]["message"].contains("tool_calls"));
  const json doc = json::parse(b["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_TRUE(doc["color"] == "red" || doc["color"] == "green" || doc["color"] == "blue") << doc;
}

// Free JSON is unbounded, and the model never closes a string on its own (its keys run to
// max_tokens): cut, the answer is the start of an object. With a bias toward the quote tokens
// (`"` 4, `": ` 3362) it closes them, and the answer is a whole object.
TEST_F(StructuredOutput, JsonObjectIsAnyObject) {
  json req = chat_request({{"type", "json_object"}}, "Who are you?");
  req["max_tokens"] = 30;
  json cut = chat(req);
  EXPECT_EQ(cut["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(cut["choices"][0]["message"]["content"].get<std::string>().rfind("{\"", 0), 0u) << cut;
  req["max_tokens"] = 300;
  req["logit_bias"] = {{"4", 12}, {"3362", 12}};
  json a = chat(req);
  const std::string content = a["choices"][0]["message"]["content"];
  ASSERT_EQ(a["choices"][0]["finish_reason"], "stop") << content;
  json doc = json::parse(content);
  EXPECT_TRUE(doc.is_object()) << content;
  EXPECT_FALSE(doc.empty()) << content;
}

TEST_F(StructuredOutput, ThinkingReasonsFreelyThenAnswersInJson) {
  json a = chat(chat_request(schema_format(kObject), "Who are you?", true));
  const json& msg = a["choices"][0]["message"];
  const std::string reasoning = msg["reasoning_content"], content = msg["content"];
  EXPECT_FALSE(reasoning.empty());
  EXPECT_FALSE(json::accept(reasoning)) << "the reasoning is free text: " << reasoning;
  json doc;
  ASSERT_NO_THROW(doc = json::parse(content)) << content;
  std::string why;
  EXPECT_TRUE(validates(json::parse(kObject), doc, &why)) << content << ": " << why;
  EXPECT_EQ(a["choices"][0]["finish_reason"], "stop");
}

TEST_F(StructuredOutput, StreamingEqualsNonStreaming) {
  for (bool thinking : {false, true}) {
    json req = chat_request(schema_format(kArray), "Who are you?", thinking);
    json whole = chat(req);
    req["stream"] = true;
    StreamResult s = assemble_chat_stream(stream(req));
    EXPECT_EQ(s.message, normalized_message(whole["choices"][0]["message"]));
    EXPECT_EQ(s.finish_reason, whole["choices"][0]["finish_reason"]);
  }
}

TEST_F(StructuredOutput, UnsupportedKeywordIsA400WhenStrict) {
  // A lookahead: outside the pattern subset the grammar supports.
  const char* with_pattern = R"j({"type": "object", "properties": {"code": {"type": "string", "pattern": "^(?![0-9])",
    "maxLength": 5}}, "required": ["code"], "additionalProperties": false})j";
  auto c = server_->client();
  auto r = c.Post("/v1/chat/completions", chat_request(schema_format(with_pattern, true), "Hi").dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 400) << r->body;
  const json err = json::parse(r->body)["error"];
  EXPECT_EQ(err["param"], "response_format.json_schema.schema");
  EXPECT_EQ(err["code"], "unsupported_schema");
  EXPECT_NE(err["message"].get<std::string>().find("lookahead"), std::string::npos) << err;
  EXPECT_NE(err["message"].get<std::string>().find("'pattern'"), std::string::npos) << err;
  EXPECT_NE(err["message"].get<std::string>().find("/properties/code"), std::string::npos) << err;
  // strict false: the keyword is ignored, the rest of the schema holds.
  json a = chat(chat_request(schema_format(with_pattern, false), "Hi"));
  json doc = json::parse(a["choices"][0]["message"]["content"].get<std::string>());
  ASSERT_TRUE(doc.contains("code") && doc["code"].is_string()) << doc;
  EXPECT_LE(doc["code"].get<std::string>().size(), 5u * 4);
  // A malformed response_format names its field.
  json bad = chat_request({{"type", "json_schema"}, {"json_schema", {{"schema", {{"type", "object"}}}, {"strict", "yes"}}}}, "Hi");
  r = c.Post("/v1/chat/completions", bad.dump(), "application/json");
  ASSERT_EQ(r->status, 400);
  EXPECT_EQ(json::parse(r->body)["error"]["param"], "response_format.json_schema.strict");
}

TEST_F(StructuredOutput, TextCompletionsFollowTheSchemaFromTheFirstToken) {
  json req = {{"prompt", "<｜User｜>Who are you?<｜Assistant｜></think>"}, {"max_tokens", 400}, {"temperature", 0},
              {"response_format", schema_format(kRef)}};
  json a = chat(req, "/v1/completions");
  const std::string text = a["choices"][0]["text"];
  EXPECT_EQ(a["choices"][0]["finish_reason"], "stop") << text;
  std::string why;
  EXPECT_TRUE(validates(json::parse(kRef), json::parse(text), &why)) << text << ": " << why;
  req.erase("response_format");
  EXPECT_FALSE(json::accept(chat(req, "/v1/completions")["choices"][0]["text"].get<std::string>()));
}

}  // namespace
}  // namespace dseek::server::test
