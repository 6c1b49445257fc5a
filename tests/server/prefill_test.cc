// Assistant prefill: continue_final_message (vLLM) / `prefix: true` (DeepSeek) continue the
// final assistant message, add_generation_prompt: false leaves the turn unopened, and a final
// assistant message without either is a 400. Prompts exactly, then end to end: with
// temperature 0, continuing the head of a greedy answer gives exactly the rest of it.
#include <gtest/gtest.h>

#include "chat/literals.h"
#include "chat/v3/literals.h"
#include "server/chat_request.h"
#include "server/errors.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

namespace lit = chat::lit;

const json kUser = {{"role", "user"}, {"content", "Hi"}};

json chat_body(json messages) { return {{"messages", std::move(messages)}}; }

std::string s(std::string_view v) { return std::string(v); }

TEST(Prefill, ContinuedContentPrompt) {
  json body = chat_body(json::array({kUser, {{"role", "assistant"}, {"content", "Hello th"}, {"prefix", true}}}));
  ChatPlan p = parse_chat_request(body);
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkClose) + "Hello th");
  EXPECT_FALSE(p.thinking);
  body["messages"][1].erase("prefix");
  body["continue_final_message"] = true;
  EXPECT_EQ(parse_chat_request(body).prompt, p.prompt);
  body["add_generation_prompt"] = false;
  EXPECT_EQ(parse_chat_request(body).prompt, p.prompt);
}

TEST(Prefill, ContinuedReasoningPrompt) {
  json body = chat_body(json::array({kUser, {{"role", "assistant"}, {"content", ""}, {"reasoning_content", "Let me"}}}));
  body["continue_final_message"] = true;
  body["thinking"] = {{"type", "enabled"}};
  ChatPlan p = parse_chat_request(body);
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkOpen) + "Let me");
  EXPECT_TRUE(p.thinking);  // the completion starts in the reasoning
  // With content, the reasoning is closed and the content continued.
  body["messages"][1]["content"] = "It is";
  p = parse_chat_request(body);
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkOpen) + "Let me" +
                          s(lit::kThinkClose) + "It is");
  EXPECT_FALSE(p.thinking);
}

TEST(Prefill, ContinuationAfterToolResults) {
  json call = {{"role", "assistant"},
               {"content", ""},
               {"tool_calls", json::array({{{"id", "c1"}, {"type", "function"},
                                            {"function", {{"name", "calculator"}, {"arguments", "{\"expression\": \"2+2\"}"}}}}})}};
  json body = chat_body(json::array({kUser, call, {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "4"}},
                                     {{"role", "assistant"}, {"content", "The answer"}, {"prefix", true}}}));
  ChatPlan p = parse_chat_request(body);
  const std::string tail = s(lit::kResultClose) + "\n" + s(lit::kResultsClose) + "\n\n" + s(lit::kThinkClose) + "The answer";
  ASSERT_GE(p.prompt.size(), tail.size());
  EXPECT_EQ(p.prompt.substr(p.prompt.size() - tail.size()), tail);
  EXPECT_EQ(p.prompt.find(lit::kEos, p.prompt.rfind(lit::kResultsClose)), std::string::npos);
}

TEST(Prefill, NoGenerationPrompt) {
  json body = chat_body(json::array({kUser}));
  body["add_generation_prompt"] = false;
  EXPECT_EQ(parse_chat_request(body).prompt, s(lit::kBos) + s(lit::kUser) + "Hi");
  body["add_generation_prompt"] = true;
  EXPECT_EQ(parse_chat_request(body).prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkClose));
}

// The 400 of `body`: its param and a piece of its message.
void expect_400(const json& body, const std::string& param, const std::string& says, const ChatCodec& codec = ChatCodec::v32()) {
  try {
    parse_chat_request(body, codec);
    ADD_FAILURE() << "accepted: " << body.dump();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.param(), param) << e.what();
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
  }
}

TEST(Prefill, Refusals) {
  const json asst = {{"role", "assistant"}, {"content", "Hel"}};
  expect_400(chat_body(json::array({kUser, asst})), "messages[1]", "ends with an assistant message");
  json b = chat_body(json::array({kUser, asst}));
  b["continue_final_message"] = true;
  b["add_generation_prompt"] = true;
  expect_400(b, "add_generation_prompt", "must be false or absent");
  b = chat_body(json::array({kUser}));
  b["continue_final_message"] = true;
  expect_400(b, "continue_final_message", "ends with an assistant message");
  b["continue_final_message"] = "yes";
  expect_400(b, "continue_final_message", "boolean");
  json first = kUser;
  first["prefix"] = true;
  expect_400(chat_body(json::array({first, asst})), "messages[0].prefix", "only the last message");
  json bad = asst;
  bad["prefix"] = 1;
  expect_400(chat_body(json::array({kUser, bad})), "messages[1].prefix", "boolean");
  json with_call = {{"role", "assistant"}, {"content", ""}, {"prefix", true},
                    {"tool_calls", json::array({{{"id", "c"}, {"type", "function"}, {"function", {{"name", "f"}, {"arguments", "{}"}}}}})}};
  expect_400(chat_body(json::array({kUser, with_call})), "messages", "tool_calls cannot be continued");
  json pre = asst;
  pre["prefix"] = true;
  b = chat_body(json::array({kUser, pre}));
  b["tools"] = nano_tools();
  b["tool_choice"] = "required";
  expect_400(b, "tool_choice", "new assistant turn");
  expect_400(chat_body(json::array({{{"role", "system"}, {"content", "S"}}, pre})), "messages", "must follow a user");
  // V3's and V3.1's templates render no developer message: nothing opens the assistant's turn.
  for (const ChatCodec* c : {&ChatCodec::v3(), &ChatCodec::v31()})
    expect_400(chat_body(json::array({kUser, {{"role", "developer"}, {"content", "D"}}, pre})), "messages",
               "must follow a user or tool message, not developer", *c);
}

// V4: its encoder's opening after the user turn ("<think>" in thinking mode, "</think>"
// otherwise), then the message's text; closing it gives V4's whole rendering of the turn.
TEST(PrefillFormats, V4) {
  const ChatCodec& v4 = ChatCodec::v4();
  json body = chat_body(json::array({kUser, {{"role", "assistant"}, {"content", "Hello th"}, {"prefix", true}}}));
  ChatPlan p = parse_chat_request(body, v4);
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkClose) + "Hello th");
  EXPECT_FALSE(p.thinking);
  body["thinking"] = {{"type", "enabled"}};
  body["messages"][1] = {{"role", "assistant"}, {"content", ""}, {"reasoning_content", "Let me"}, {"prefix", true}};
  p = parse_chat_request(body, v4);
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkOpen) + "Let me");
  EXPECT_TRUE(p.thinking);
  body["messages"][1]["content"] = "It is";
  p = parse_chat_request(body, v4);
  const std::string open_turn = s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkOpen) + "Let me" +
                                s(lit::kThinkClose) + "It is";
  EXPECT_EQ(p.prompt, open_turn);
  EXPECT_FALSE(p.thinking);
  // The V4 encoder's own rendering of the closed turn is the continued prompt + EOS.
  json closed = {{"messages", json::array({kUser, {{"role", "assistant"}, {"content", "It is"}, {"reasoning_content", "Let me"}}})}};
  EXPECT_EQ(v4.render(closed, true), open_turn + s(lit::kEos));
  // After tool results (a user turn in V4): the opening follows the results.
  json call = {{"role", "assistant"}, {"content", ""},
               {"tool_calls", json::array({{{"id", "c1"}, {"type", "function"},
                                            {"function", {{"name", "calculator"}, {"arguments", "{\"expression\": \"2+2\"}"}}}}})}};
  json conv = json::array({kUser, call, {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "4"}},
                           {{"role", "assistant"}, {"content", "The answer"}}});
  json cont = chat_body(conv);
  cont["continue_final_message"] = true;
  EXPECT_EQ(parse_chat_request(cont, v4).prompt + s(lit::kEos), v4.render(chat_body(conv), false));
  EXPECT_TRUE(parse_chat_request(cont, v4).prompt.ends_with("</tool_result>" + s(lit::kAssistant) + s(lit::kThinkClose) + "The answer"));
  // No generation prompt: the user turn and nothing after it.
  json bare = chat_body(json::array({kUser}));
  bare["add_generation_prompt"] = false;
  EXPECT_EQ(parse_chat_request(bare, v4).prompt, s(lit::kBos) + s(lit::kUser) + "Hi");
}

// V3 (V3-0324's template: the user turn ends with "<｜Assistant｜>", no thinking mode) and V3.1
// (its template's opening "<｜Assistant｜></think>", or "<think>" in thinking mode; after tool
// results no opening: the text follows the last result).
TEST(PrefillFormats, V3AndV31) {
  namespace v3lit = chat::v3::lit;
  json body = chat_body(json::array({kUser, {{"role", "assistant"}, {"content", "Hello th"}, {"prefix", true}}}));
  ChatPlan p = parse_chat_request(body, ChatCodec::v3());
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + "Hello th");
  EXPECT_FALSE(p.thinking);
  p = parse_chat_request(body, ChatCodec::v31());
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkClose) + "Hello th");
  EXPECT_FALSE(p.thinking);
  body["thinking"] = {{"type", "enabled"}};
  body["messages"][1] = {{"role", "assistant"}, {"content", ""}, {"reasoning_content", "Let me"}, {"prefix", true}};
  p = parse_chat_request(body, ChatCodec::v31());
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkOpen) + "Let me");
  EXPECT_TRUE(p.thinking);
  body["messages"][1]["content"] = "It is";
  p = parse_chat_request(body, ChatCodec::v31());
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + s(lit::kThinkOpen) + "Let me" +
                          s(lit::kThinkClose) + "It is");
  EXPECT_FALSE(p.thinking);
  // V3 has no thinking mode: the reasoning is not rendered, the content is continued.
  p = parse_chat_request(body, ChatCodec::v3());
  EXPECT_EQ(p.prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant) + "It is");
  EXPECT_FALSE(p.thinking);

  json call = {{"role", "assistant"}, {"content", ""},
               {"tool_calls", json::array({{{"id", "c1"}, {"type", "function"},
                                            {"function", {{"name", "calculator"}, {"arguments", "{\"expression\": \"2+2\"}"}}}}})}};
  json cont = chat_body(json::array({kUser, call, {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "4"}},
                                     {{"role", "assistant"}, {"content", "The answer"}}}));
  cont["continue_final_message"] = true;
  EXPECT_TRUE(parse_chat_request(cont, ChatCodec::v3()).prompt.ends_with(
      s(v3lit::kOutputBegin) + "4" + s(v3lit::kOutputEnd) + s(v3lit::kOutputsEnd) + "The answer"));
  for (bool thinking : {false, true}) {
    if (thinking) cont["thinking"] = {{"type", "enabled"}};
    p = parse_chat_request(cont, ChatCodec::v31());
    EXPECT_TRUE(p.prompt.ends_with(s(v3lit::kOutputBegin) + "4" + s(v3lit::kOutputEnd) + "The answer")) << p.prompt;
    EXPECT_FALSE(p.thinking);
  }
  // No generation prompt: V3's user turn keeps its "<｜Assistant｜>" (the template's rule), V3.1's ends with the user text.
  json bare = chat_body(json::array({kUser}));
  bare["add_generation_prompt"] = false;
  EXPECT_EQ(parse_chat_request(bare, ChatCodec::v3()).prompt, s(lit::kBos) + s(lit::kUser) + "Hi" + s(lit::kAssistant));
  EXPECT_EQ(parse_chat_request(bare, ChatCodec::v31()).prompt, s(lit::kBos) + s(lit::kUser) + "Hi");
}

json post(httplib::Client& c, const json& body) {
  auto r = c.Post("/v1/chat/completions", body.dump(), "application/json");
  EXPECT_TRUE(r);
  if (!r) return json();
  EXPECT_EQ(r->status, 200) << r->body;
  return json::parse(r->body);
}

class PrefillLive : public SharedServerTest {};

json hello_request() {
  return {{"messages", json::array({{{"role", "system"}, {"content", "You are a helpful assistant."}},
                                    {{"role", "user"}, {"content", "Who are you?"}}})},
          {"temperature", 0},
          {"max_tokens", 48},
          {"logprobs", true}};
}

// The texts of the answer's first `k` tokens.
std::string head_tokens(const json& resp, size_t k) {
  std::string out;
  const json& lp = resp["choices"][0]["logprobs"]["content"];
  for (size_t i = 0; i < k && i < lp.size(); ++i) out += lp[i]["token"].get<std::string>();
  return out;
}

TEST_F(PrefillLive, ContinuedContentIsTheRestOfTheGreedyAnswer) {
  auto c = server_->client();
  json req = hello_request();
  json whole = post(c, req);
  const std::string answer = whole["choices"][0]["message"]["content"];
  ASSERT_GT(answer.size(), 20u);
  const size_t n_tokens = whole["choices"][0]["logprobs"]["content"].size();
  for (size_t k : {size_t(1), size_t(4), n_tokens / 2}) {
    const std::string head = head_tokens(whole, k);
    ASSERT_EQ(answer.substr(0, head.size()), head);
    for (bool vllm : {true, false}) {
      SCOPED_TRACE("head of " + std::to_string(k) + " tokens, " + (vllm ? "continue_final_message" : "prefix"));
      json cont = hello_request();
      cont.erase("logprobs");
      cont["max_tokens"] = 48 - static_cast<int>(k);
      json m = {{"role", "assistant"}, {"content", head}};
      if (vllm) cont["continue_final_message"] = true;
      else m["prefix"] = true;
      cont["messages"].push_back(m);
      json r = post(c, cont);
      EXPECT_EQ(r["choices"][0]["message"]["content"], answer.substr(head.size()));
      EXPECT_EQ(r["choices"][0]["finish_reason"], whole["choices"][0]["finish_reason"]);
      cont["stream"] = true;
      auto sr = c.Post("/v1/chat/completions", cont.dump(), "application/json");
      ASSERT_TRUE(sr);
      StreamResult st = assemble_chat_stream(sr->body);
      EXPECT_EQ(st.message, normalized_message(r["choices"][0]["message"]));
      EXPECT_EQ(st.finish_reason, r["choices"][0]["finish_reason"]);
    }
  }
}

TEST_F(PrefillLive, ContinuedReasoningIsTheRestOfTheGreedyReasoning) {
  auto c = server_->client();
  json req = hello_request();
  req["thinking"] = {{"type", "enabled"}};
  req["max_tokens"] = 200;
  json whole = post(c, req);
  const json& msg = whole["choices"][0]["message"];
  const std::string reasoning = msg["reasoning_content"];
  ASSERT_GT(reasoning.size(), 10u) << whole.dump();
  const std::string head = head_tokens(whole, 3);
  ASSERT_EQ(reasoning.substr(0, head.size()), head);
  json cont = req;
  cont.erase("logprobs");
  cont["max_tokens"] = 197;
  cont["messages"].push_back({{"role", "assistant"}, {"content", ""}, {"reasoning_content", head}, {"prefix", true}});
  json r = post(c, cont);
  EXPECT_EQ(r["choices"][0]["message"]["reasoning_content"], reasoning.substr(head.size()));
  EXPECT_EQ(r["choices"][0]["message"]["content"], msg["content"]);
  EXPECT_EQ(r["choices"][0]["finish_reason"], whole["choices"][0]["finish_reason"]);
  cont["stream"] = true;
  auto sr = c.Post("/v1/chat/completions", cont.dump(), "application/json");
  ASSERT_TRUE(sr);
  StreamResult st = assemble_chat_stream(sr->body);
  EXPECT_EQ(st.message, normalized_message(r["choices"][0]["message"]));
}

TEST_F(PrefillLive, TrailingAssistantWithoutAFlagIsA400) {
  auto c = server_->client();
  json req = hello_request();
  req["messages"].push_back({{"role", "assistant"}, {"content", "I am"}});
  auto r = c.Post("/v1/chat/completions", req.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  json e = json::parse(r->body)["error"];
  EXPECT_EQ(e["param"], "messages[2]");
  EXPECT_EQ(e["code"], "invalid_value");
  EXPECT_EQ(e["type"], "invalid_request_error");
}

}  // namespace
}  // namespace dseek::server::test
