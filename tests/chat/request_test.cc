// render_request: top-level tools / response_format of an OpenAI request body.
#include <gtest/gtest.h>

#include "chat/encode.h"
#include "chat/literals.h"
#include "chat/request.h"
#include "runtime/error.h"
#include "vectors.h"

namespace dseek::chat {
namespace {

Json weather_tool() {
  return Json::parse(R"({"type": "function", "function": {"name": "get_weather", "description": "Weather.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}})");
}

std::string encode(const Json& messages, bool thinking) {
  EncodeOptions opt;
  opt.thinking = thinking;
  return encode_messages(messages, opt);
}

TEST(RenderRequest, PlainMessages) {
  Json req = Json::parse(R"({"model": "x", "messages": [{"role": "user", "content": "hi"}]})");
  EXPECT_EQ(render_request(req, false), "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜></think>");
  EXPECT_EQ(render_request(req, true), "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜><think>");
}

TEST(RenderRequest, TopLevelToolsGetALeadingSystemMessage) {
  Json req = {{"messages", {{{"role", "user"}, {"content", "Weather in Oslo?"}}}}, {"tools", {weather_tool()}}};
  Json expected_msgs = {{{"role", "system"}, {"content", ""}, {"tools", {weather_tool()}}},
                        {{"role", "user"}, {"content", "Weather in Oslo?"}}};
  std::string got = render_request(req, true);
  EXPECT_EQ(got, encode(expected_msgs, true));
  // BOS, then the tools block right away (empty system content), keys in document order.
  std::string head = std::string(lit::kBos) + "\n\n" + std::string(lit::kToolsBlockPrefix) +
                     R"({"name": "get_weather", "description": "Weather.", "parameters": {"type": "object", )"
                     R"("properties": {"city": {"type": "string"}}, "required": ["city"]}})" +
                     std::string(lit::kToolsBlockSuffix) + "<｜User｜>Weather in Oslo?<｜Assistant｜><think>";
  EXPECT_EQ(got, head);
}

TEST(RenderRequest, ExistingSystemMessageReceivesTools) {
  Json req = {{"messages", {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "q"}}}},
              {"tools", {weather_tool()}}};
  Json expected_msgs = {{{"role", "system"}, {"content", "Be brief."}, {"tools", {weather_tool()}}},
                        {{"role", "user"}, {"content", "q"}}};
  std::string got = render_request(req, false);
  EXPECT_EQ(got, encode(expected_msgs, false));
  EXPECT_TRUE(got.starts_with(std::string(lit::kBos) + "Be brief.\n\n## Tools\n")) << got;
  EXPECT_EQ(request_messages(req).size(), 2u);
}

TEST(RenderRequest, ResponseFormat) {
  Json rf = Json::parse(R"({"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}})");
  Json req = {{"messages", {{{"role", "user"}, {"content", "q"}}}}, {"response_format", rf}};
  EXPECT_EQ(render_request(req, false),
            std::string(lit::kBos) + "\n\n" + std::string(lit::kResponseFormatPrefix) +
                R"({"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}})"
                "<｜User｜>q<｜Assistant｜></think>");
  // Both at once, onto an existing system message: tools block first, then the format.
  Json both = {{"messages", {{{"role", "system"}, {"content", "S"}}, {{"role", "user"}, {"content", "q"}}}},
               {"tools", {weather_tool()}},
               {"response_format", {{"type", "json_object"}}}};
  std::string got = render_request(both, false);
  size_t tools_at = got.find("## Tools"), rf_at = got.find("## Response Format:");
  ASSERT_NE(tools_at, std::string::npos);
  ASSERT_NE(rf_at, std::string::npos);
  EXPECT_LT(tools_at, rf_at);
  EXPECT_NE(got.find("</functions>\n\n\n## Response Format:\n\nYou MUST strictly adhere to the following schema to "
                     "reply:\n{\"type\": \"json_object\"}<｜User｜>q"),
            std::string::npos)
      << got;
}

TEST(RenderRequest, AbsentValues) {
  Json msgs = {{{"role", "user"}, {"content", "q"}}};
  Json req = {{"messages", msgs}, {"tools", Json::array()}, {"response_format", {{"type", "text"}}}};
  EXPECT_EQ(request_messages(req), msgs);
  req = {{"messages", msgs}, {"tools", nullptr}, {"response_format", Json::object()}};
  EXPECT_EQ(request_messages(req), msgs);
}

TEST(RenderRequest, ToolsOnDeveloperOrSystemMessageStay) {
  Json req = {{"messages", {{{"role", "developer"}, {"content", "Use tools."}, {"tools", {weather_tool()}}},
                            {{"role", "user"}, {"content", "q"}}}}};
  EXPECT_EQ(render_request(req, true), encode(req["messages"], true));
}

TEST(RenderRequest, Errors) {
  EXPECT_THROW(render_request(Json::array(), false), dseek::Error);
  EXPECT_THROW(render_request(Json{{"prompt", "x"}}, false), dseek::Error);
  EXPECT_THROW(render_request(Json{{"messages", Json::array()}, {"tools", "x"}}, false), dseek::Error);
  Json dup = {{"messages", {{{"role", "system"}, {"content", ""}, {"tools", {weather_tool()}}}}}, {"tools", {weather_tool()}}};
  EXPECT_THROW(render_request(dup, false), dseek::Error);
}

}  // namespace
}  // namespace dseek::chat
