// `dseek serve` on a DeepSeek-V4 checkpoint (tiny-v4 with the test tokenizer): chat requests are
// rendered with V4's encoder (tool block "<｜DSML｜tool_calls>", tool_choice steering in V4's
// syntax), completions parsed and streamed with V4's block, streaming == non-streaming,
// /v1/completions on a raw prompt, and --kv-budget (the sequences' state bytes).
#include <gtest/gtest.h>

#include "chat/literals.h"
#include "chat/v4/v4.h"
#include "engine/causal_lm.h"
#include "engine/model_tokenizer.h"
#include "engine/state_budget.h"
#include "server/chat_codec.h"
#include "server/chat_request.h"
#include "server/errors.h"
#include "server/message_stream.h"
#include "test_util.h"
#include "tiny_v4.h"

namespace dseek::server::test {
namespace {

using dseek::test::TinyV4Dir;

#define TINY_V4_OR_SKIP(var)                                                         \
  TinyV4Dir var;                                                                     \
  if (var.path().empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 or its tokenizer not found"

json calc_tools() {
  return json::array({{{"type", "function"},
                       {"function",
                        {{"name", "calculator"},
                         {"description", "Evaluates an arithmetic expression."},
                         {"parameters",
                          {{"type", "object"},
                           {"properties", {{"expression", {{"type", "string"}}}}},
                           {"required", {"expression"}}}}}}}});
}

json chat_body(bool thinking, int max_tokens) {
  json b = {{"messages", json::array({{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "hi"}}})},
            {"max_tokens", max_tokens},
            {"temperature", 0}};
  if (thinking) b["thinking"] = {{"type", "enabled"}};
  return b;
}

ServerOptions v4_options(const std::string& dir) {
  ServerOptions o;
  o.model_dir = dir;
  o.parallel = 2;
  return o;
}

TEST(V4Serve, ChatStreamingEqualsNonStreamingAndUsesTheV4Prompt) {
  TINY_V4_OR_SKIP(d);
  LiveServer srv(v4_options(d.path()));
  auto cli = srv.client();
  const Tokenizer tok = load_model_tokenizer(d.path());
  for (const bool thinking : {false, true}) {
    json body = chat_body(thinking, 12);
    auto whole = cli.Post("/v1/chat/completions", body.dump(), "application/json");
    ASSERT_TRUE(whole);
    ASSERT_EQ(whole->status, 200) << whole->body;
    const json r = json::parse(whole->body);
    // The prompt the server generated from: V4's encoder, BOS included.
    json render = {{"messages", body["messages"]}};
    EXPECT_EQ(r["usage"]["prompt_tokens"].get<size_t>(), tok.encode(chat::v4::render_request(render, thinking)).size());
    EXPECT_EQ(r["usage"]["completion_tokens"], 12);  // a random model does not stop early
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
    auto streamed = cli.Post("/v1/chat/completions", body.dump(), "application/json");
    ASSERT_TRUE(streamed);
    ASSERT_EQ(streamed->status, 200);
    StreamResult s = assemble_chat_stream(streamed->body);
    EXPECT_TRUE(s.done);
    json want = normalized_message(r["choices"][0]["message"]);
    for (auto* m : {&want, &s.message})
      for (auto& tc : (*m)["tool_calls"]) tc.erase("id");  // fresh ids a request
    EXPECT_EQ(s.message, want) << "thinking=" << thinking;
    EXPECT_EQ(s.finish_reason, r["choices"][0]["finish_reason"]);
    EXPECT_EQ(s.usage["completion_tokens"], r["usage"]["completion_tokens"]);
    std::printf("[thinking=%d] %s\n", thinking, r["choices"][0]["message"].dump().c_str());
  }
}

TEST(V4Serve, CompletionsTakeARawPrompt) {
  TINY_V4_OR_SKIP(d);
  LiveServer srv(v4_options(d.path()));
  auto cli = srv.client();
  const Tokenizer tok = load_model_tokenizer(d.path());
  json body = {{"prompt", "Once upon a time"}, {"max_tokens", 5}, {"temperature", 0}};
  auto a = cli.Post("/v1/completions", body.dump(), "application/json");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->status, 200) << a->body;
  const json r = json::parse(a->body);
  EXPECT_EQ(r["usage"]["prompt_tokens"].get<size_t>(), 1 + tok.encode("Once upon a time").size());  // BOS added
  EXPECT_EQ(r["usage"]["completion_tokens"], 5);
  // The same prompt with its BOS written out gets no second one, and the same text back.
  body["prompt"] = std::string(chat::lit::kBos) + "Once upon a time";
  auto b = cli.Post("/v1/completions", body.dump(), "application/json");
  ASSERT_TRUE(b);
  ASSERT_EQ(b->status, 200) << b->body;
  const json rb = json::parse(b->body);
  EXPECT_EQ(rb["usage"]["prompt_tokens"], r["usage"]["prompt_tokens"]);
  EXPECT_EQ(rb["choices"][0]["text"], r["choices"][0]["text"]);
  // Token ids work too.
  body["prompt"] = json::array({0, 300, 301, 302});
  auto c = cli.Post("/v1/completions", body.dump(), "application/json");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, 200) << c->body;
}

TEST(V4Serve, ToolsRenderWithV4SyntaxAndToolChoiceForcesAV4Block) {
  const ChatCodec& v4 = ChatCodec::v4();
  json body = {{"messages", json::array({{{"role", "user"}, {"content", "12*34?"}}})}, {"tools", calc_tools()}};
  ChatPlan p = parse_chat_request(body, v4);
  EXPECT_EQ(p.prompt, chat::v4::render_request(p.render_body, false));
  EXPECT_NE(p.prompt.find("<｜DSML｜tool_calls>"), std::string::npos);
  EXPECT_EQ(p.prompt.find("function_calls"), std::string::npos);
  EXPECT_NE(p.prompt.find("\"name\": \"calculator\""), std::string::npos);
  EXPECT_TRUE(p.forced_prefix.empty());
  // V3.2's codec renders the same body in its own syntax (unchanged default).
  EXPECT_NE(parse_chat_request(body).prompt.find("<｜DSML｜function_calls>"), std::string::npos);

  body["tool_choice"] = "required";
  p = parse_chat_request(body, v4);
  EXPECT_EQ(p.forced_prefix, "\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"");
  EXPECT_EQ(p.prompt, chat::v4::render_request(p.render_body, false) + p.forced_prefix);
  body["tool_choice"] = {{"type", "function"}, {"function", {{"name", "calculator"}}}};
  p = parse_chat_request(body, v4);
  EXPECT_EQ(p.forced_prefix, "\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"calculator\">\n");
  EXPECT_EQ(parse_chat_request(body).forced_prefix,
            "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"calculator\">\n");
  body["thinking"] = {{"type", "enabled"}};  // thinking: only the named tool is rendered, nothing forced
  p = parse_chat_request(body, v4);
  EXPECT_TRUE(p.forced_prefix.empty());
  EXPECT_TRUE(p.prompt.ends_with("<｜Assistant｜><think>")) << p.prompt.substr(p.prompt.size() - 40);
}

TEST(V4Serve, ForcedToolChoiceOverHttpIsAV4Block) {
  TINY_V4_OR_SKIP(d);
  LiveServer srv(v4_options(d.path()));
  auto cli = srv.client();
  json body = {{"messages", json::array({{{"role", "user"}, {"content", "12*34?"}}})},
               {"tools", calc_tools()},
               {"tool_choice", {{"type", "function"}, {"function", {{"name", "calculator"}}}}},
               {"max_tokens", 6},
               {"temperature", 0}};
  auto a = cli.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->status, 200) << a->body;
  const json m = json::parse(a->body)["choices"][0]["message"];
  // The random model does not finish the call: the forced V4 block comes back verbatim as content
  // (a finished one would be a calculator call).
  if (m.contains("tool_calls") && !m["tool_calls"].empty())
    EXPECT_EQ(m["tool_calls"][0]["function"]["name"], "calculator");
  else
    EXPECT_TRUE(m["content"].get<std::string>().starts_with("\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"calculator\">\n"))
        << m.dump();
  body["stream"] = true;
  auto s = cli.Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(s);
  StreamResult r = assemble_chat_stream(s->body);
  json want = normalized_message(m);
  // Streamed, a forced call goes out once its first parameter tag follows the header
  // (incremental arguments); when the block is then cut, it stays in the stream and the
  // content is the non-streamed one.
  if (want["tool_calls"].empty() && !r.message["tool_calls"].empty()) {
    ASSERT_EQ(r.message["tool_calls"].size(), 1u) << r.message.dump();
    EXPECT_EQ(r.message["tool_calls"][0]["name"], "calculator");
    EXPECT_EQ(r.message["tool_calls"][0]["arguments"].get<std::string>().substr(0, 1), "{");
    r.message["tool_calls"] = json::array();
  }
  for (auto* x : {&want, &r.message})
    for (auto& tc : (*x)["tool_calls"]) tc.erase("id");
  EXPECT_EQ(r.message, want);
}

// MessageStream with V4's codec: a V4 tool block is a call (arguments always JSON text, also for a
// string="false" value that is not JSON), on every split; V3.2's codec leaves it as content.
TEST(V4Serve, MessageStreamParsesV4BlocksOnEverySplit) {
  const std::string text =
      "Let me compute.\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"calculator\">\n"
      "<｜DSML｜parameter name=\"expression\" string=\"true\">12 * 34</｜DSML｜parameter>\n"
      "<｜DSML｜parameter name=\"precise\" string=\"false\">yes please</｜DSML｜parameter>\n"
      "</｜DSML｜invoke>\n</｜DSML｜tool_calls><｜end▁of▁sentence｜>";
  chat::AssistantMessage whole;
  {
    MessageStream ms(false, "call_", ChatCodec::v4());
    apply_deltas(whole, ms.feed(text));
    apply_deltas(whole, ms.finish());
    EXPECT_EQ(ms.tool_calls(), 1);
  }
  EXPECT_EQ(whole.content, "Let me compute.");
  ASSERT_EQ(whole.tool_calls.size(), 1u);
  EXPECT_EQ(whole.tool_calls[0].name, "calculator");
  EXPECT_EQ(json::parse(whole.tool_calls[0].arguments), json({{"expression", "12 * 34"}, {"precise", "yes please"}}));
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    MessageStream ms(false, "call_", ChatCodec::v4());
    chat::AssistantMessage m;
    apply_deltas(m, ms.feed(text.substr(0, cut)));
    apply_deltas(m, ms.feed(text.substr(cut)));
    apply_deltas(m, ms.finish());
    EXPECT_EQ(m.content, whole.content) << cut;
    ASSERT_EQ(m.tool_calls.size(), 1u) << cut;
    EXPECT_EQ(m.tool_calls[0].arguments, whole.tool_calls[0].arguments) << cut;
  }
  MessageStream v32(false, "call_");
  chat::AssistantMessage m;
  apply_deltas(m, v32.feed(text));
  apply_deltas(m, v32.finish());
  EXPECT_TRUE(m.tool_calls.empty());
  EXPECT_NE(m.content.find("<｜DSML｜tool_calls>"), std::string::npos);
  // A V4 block cut off inside a parameter is content, verbatim from its opener.
  MessageStream cut(false, "call_", ChatCodec::v4());
  chat::AssistantMessage t;
  const std::string partial = text.substr(0, text.find("12 * 34") + 4);
  apply_deltas(t, cut.feed(partial));
  apply_deltas(t, cut.finish());
  EXPECT_TRUE(t.tool_calls.empty());
  EXPECT_EQ(t.content, partial);
}

// --kv-budget on V4: a budget below one sequence's state is refused at start, naming it; a
// served budget caps a request's max_tokens at what one sequence can hold (its state's bytes)
// and refuses a prompt that does not fit.
TEST(V4Serve, KvBudgetCapsRequestsAndRefusesPromptsThatCannotFit) {
  TINY_V4_OR_SKIP(d);
  auto probe = CausalLm::load(d.path(), Numerics::Exact)->new_budget(0);
  ServerOptions o = v4_options(d.path());
  o.kv_budget_bytes = probe->bytes_at(1) - 1;
  try {
    Server s(o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--kv-budget"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("deepseek_v4"), std::string::npos) << e.what();
  }
  ASSERT_LT(probe->bytes_at(15), probe->bytes_at(16));  // a ratio-4 entry at 16 tokens
  o.kv_budget_bytes = probe->bytes_at(15);
  LiveServer srv(o);
  auto cli = srv.client();
  json body = {{"prompt", json::array({0, 300, 301, 302, 303, 304, 305, 306, 307, 308})},
               {"max_tokens", 12},
               {"temperature", 0},
               {"ignore_eos", true}};
  auto a = cli.Post("/v1/completions", body.dump(), "application/json");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->status, 200) << a->body;
  const json r = json::parse(a->body);
  EXPECT_EQ(r["usage"]["prompt_tokens"], 10);
  EXPECT_EQ(r["usage"]["completion_tokens"], 5);  // 15 tokens in all
  EXPECT_EQ(r["choices"][0]["finish_reason"], "length");
  body["prompt"] = json::array();
  for (int i = 0; i < 15; ++i) body["prompt"].push_back(300 + i);
  auto b = cli.Post("/v1/completions", body.dump(), "application/json");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, 400) << b->body;
  const json e = json::parse(b->body);
  EXPECT_EQ(e["error"]["code"], "context_length_exceeded") << b->body;
  EXPECT_NE(e["error"]["message"].get<std::string>().find("holds 15 tokens"), std::string::npos) << b->body;
}

}  // namespace
}  // namespace dseek::server::test

namespace dseek::server::test {
namespace {

// V4's latest_reminder role and OpenAI's reasoning_effort reach the V4 encoder; the V3.2 codec
// refuses the role by the encoder's message, and an unknown effort is a 400.
TEST(V4Serve, LatestReminderAndReasoningEffortReachTheEncoder) {
  const ChatCodec& v4 = ChatCodec::v4();
  json body = {{"messages", json::array({{{"role", "user"}, {"content", "hi"}},
                                         {{"role", "latest_reminder"}, {"content", "be brief"}}})},
               {"thinking", {{"type", "enabled"}}}};
  ChatPlan p = parse_chat_request(body, v4);
  EXPECT_NE(p.prompt.find(chat::v4::lit::kLatestReminder), std::string::npos) << p.prompt;
  EXPECT_EQ(p.prompt.find(chat::v4::lit::kEffortMaxPrompt), std::string::npos);
  body["reasoning_effort"] = "max";
  p = parse_chat_request(body, v4);
  EXPECT_NE(p.prompt.find(chat::v4::lit::kEffortMaxPrompt), std::string::npos);
  EXPECT_EQ(p.render_body["reasoning_effort"], "max");
  body["reasoning_effort"] = "low";  // below V4's levels: the encoder's default
  p = parse_chat_request(body, v4);
  EXPECT_FALSE(p.render_body.contains("reasoning_effort"));
  body["reasoning_effort"] = "extreme";
  EXPECT_THROW(parse_chat_request(body, v4), ApiError);
  body.erase("reasoning_effort");
  try {
    parse_chat_request(body);  // V3.2 has no latest_reminder
    FAIL() << "accepted";
  } catch (const ApiError& e) {
    EXPECT_NE(std::string(e.what()).find("latest_reminder"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dseek::server::test
