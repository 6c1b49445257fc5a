// Tool semantics as OpenAI defines them: without `tools`, with tool_choice "none", or for a
// tool the request did not offer, no tool_calls are reported; the markup the model wrote
// anyway comes back verbatim as content (finish_reason "stop"), streamed and not. Unit level
// through ChatTurn (every split), and end to end with the built-in model.
#include <gtest/gtest.h>

#include "chat/literals.h"
#include "server/chat_response.h"
#include "server/chat_turn.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

const Tokenizer& tokenizer() {
  static Tokenizer t = Tokenizer::load(model_dir() + "/tokenizer.json");
  return t;
}

const std::string kBlock =
    "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"read_file\">\n"
    "<｜DSML｜parameter name=\"path\" string=\"true\">notes.txt</｜DSML｜parameter>\n"
    "</｜DSML｜invoke>\n</｜DSML｜function_calls>";
const std::string kText = "Let me read it." + kBlock + std::string(chat::lit::kEos);

struct Outcome {
  chat::AssistantMessage msg;
  std::string finish;
};

// The message of `text` fed in two pieces cut at `cut`, with `offered` (nullptr: not set).
Outcome run(const std::string& text, size_t cut, const std::vector<std::string>* offered) {
  ChatTurn turn(tokenizer(), false, "c_", {}, "", -1);
  if (offered) turn.set_offered_tools(*offered);
  Outcome o;
  apply_deltas(o.msg, turn.push_text(std::string_view(text).substr(0, cut)));
  apply_deltas(o.msg, turn.push_text(std::string_view(text).substr(cut)));
  apply_deltas(o.msg, turn.finish());
  o.finish = turn.finish_reason("stop");
  return o;
}

TEST(ToolSemantics, NoToolsOfferedMeansTheMarkupIsContent) {
  const std::vector<std::string> none, calculator = {"calculator"};
  for (const auto* offered : {&none, &calculator}) {
    for (size_t cut = 0; cut <= kText.size(); ++cut) {
      Outcome o = run(kText, cut, offered);
      ASSERT_TRUE(o.msg.tool_calls.empty()) << cut;
      ASSERT_EQ(o.msg.content, "Let me read it." + kBlock) << cut;
      ASSERT_EQ(o.finish, "stop");
    }
  }
}

TEST(ToolSemantics, AnOfferedToolIsACall) {
  const std::vector<std::string> offered = {"calculator", "read_file"};
  for (const auto* o : {&offered, static_cast<const std::vector<std::string>*>(nullptr)}) {
    Outcome r = run(kText, kText.size() / 2, o);
    ASSERT_EQ(r.msg.tool_calls.size(), 1u);
    EXPECT_EQ(r.msg.tool_calls[0].name, "read_file");
    EXPECT_EQ(r.msg.tool_calls[0].arguments, "{\"path\": \"notes.txt\"}");
    EXPECT_EQ(r.msg.content, "Let me read it.");
    EXPECT_EQ(r.finish, "tool_calls");
  }
}

TEST(ToolSemantics, OneUnofferedCallMakesTheWholeBlockContent) {
  // A block calling read_file and calculator, only calculator offered: no call is reported
  // (the block is judged as one, as a malformed one is).
  std::string two = kBlock;
  two.insert(two.rfind("</｜DSML｜function_calls>"),
             "<｜DSML｜invoke name=\"calculator\">\n<｜DSML｜parameter name=\"expression\" string=\"true\">1+1"
             "</｜DSML｜parameter>\n</｜DSML｜invoke>\n");
  const std::vector<std::string> calculator = {"calculator"};
  Outcome o = run(two + std::string(chat::lit::kEos), 7, &calculator);
  EXPECT_TRUE(o.msg.tool_calls.empty());
  EXPECT_EQ(o.msg.content, two);
  EXPECT_EQ(o.finish, "stop");
}

json post(httplib::Client& c, const json& body) {
  auto r = c.Post("/v1/chat/completions", body.dump(), "application/json");
  EXPECT_TRUE(r);
  if (!r) return json();
  EXPECT_EQ(r->status, 200) << r->body;
  return json::parse(r->body);
}

StreamResult post_stream(httplib::Client& c, json body) {
  body["stream"] = true;
  auto r = c.Post("/v1/chat/completions", body.dump(), "application/json");
  EXPECT_TRUE(r);
  if (!r) return {};
  return assemble_chat_stream(r->body);
}

json read_file_request() {
  return {{"messages", json::array({{{"role", "system"}, {"content", "You are nano-agent, a small assistant that can use tools."}},
                                    {{"role", "user"}, {"content", "Print the file src/server.csv."}}})},
          {"temperature", 0},
          {"max_tokens", 96}};
}

// The request's answer has no tool_calls, finish_reason "stop", and the model's read_file
// markup as content; streamed, the same message.
void expect_markup_as_content(httplib::Client& c, const json& req) {
  json whole = post(c, req);
  const json& msg = whole["choices"][0]["message"];
  EXPECT_FALSE(msg.contains("tool_calls")) << msg.dump();
  EXPECT_EQ(whole["choices"][0]["finish_reason"], "stop");
  const std::string content = msg["content"].get<std::string>();
  EXPECT_EQ(content.rfind("\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"read_file\">\n", 0), 0u) << content;
  EXPECT_TRUE(content.ends_with("</｜DSML｜invoke>\n</｜DSML｜function_calls>")) << content;
  EXPECT_EQ(content.find(chat::lit::kEos), std::string::npos);
  StreamResult s = post_stream(c, req);
  EXPECT_TRUE(s.done);
  EXPECT_EQ(s.message, normalized_message(msg));
  EXPECT_EQ(s.finish_reason, "stop");
}

class ToolSemanticsLive : public SharedServerTest {};

TEST_F(ToolSemanticsLive, WithToolsTheModelCallsReadFile) {
  // The control: the same prompt with the tools offered is a read_file call.
  auto c = server_->client();
  json req = read_file_request();
  req["tools"] = nano_tools();
  json whole = post(c, req);
  ASSERT_EQ(whole["choices"][0]["message"]["tool_calls"].size(), 1u) << whole.dump();
  EXPECT_EQ(whole["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "read_file");
  EXPECT_EQ(whole["choices"][0]["finish_reason"], "tool_calls");
}

TEST_F(ToolSemanticsLive, NoToolsNoToolCalls) {
  auto c = server_->client();
  expect_markup_as_content(c, read_file_request());
}

TEST_F(ToolSemanticsLive, ToolChoiceNoneNoToolCalls) {
  auto c = server_->client();
  json req = read_file_request();
  req["tools"] = nano_tools();
  req["tool_choice"] = "none";
  expect_markup_as_content(c, req);
}

TEST_F(ToolSemanticsLive, UnofferedToolIsContent) {
  // Only write_file offered: the model still calls read_file, and that call is content.
  auto c = server_->client();
  json req = read_file_request();
  json only = json::array();
  for (const auto& t : nano_tools())
    if (t["function"]["name"] == "write_file") only.push_back(t);
  ASSERT_EQ(only.size(), 1u);
  req["tools"] = only;
  expect_markup_as_content(c, req);
}

}  // namespace
}  // namespace dseek::server::test
