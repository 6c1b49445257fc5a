// The HTTP API end to end against the built-in model (in-process server on a free port):
// chat (plain, streamed, tools, thinking, tool_choice, stop, max_tokens, logprobs),
// text completions, models, health, metrics, authentication.
#include <gtest/gtest.h>

#include "test_util.h"

namespace dseek::server::test {
namespace {

json post(httplib::Client& c, const std::string& path, const json& body, int want_status = 200) {
  auto r = c.Post(path, body.dump(), "application/json");
  EXPECT_TRUE(r) << "no response from " << path;
  if (!r) return json();
  EXPECT_EQ(r->status, want_status) << r->body;
  return json::parse(r->body);
}

std::string post_raw(httplib::Client& c, const std::string& path, const json& body) {
  auto r = c.Post(path, body.dump(), "application/json");
  EXPECT_TRUE(r);
  if (!r) return {};
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
  return r->body;
}

json stream_of(json body, bool usage = true) {
  body["stream"] = true;
  if (usage) body["stream_options"] = {{"include_usage", true}};
  return body;
}

class Api : public SharedServerTest {};

TEST_F(Api, ModelsAndHealth) {
  auto c = server_->client();
  auto r = c.Get("/v1/models");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  json j = json::parse(r->body);
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["id"], "nano-agent");
  EXPECT_EQ(j["data"][0]["object"], "model");
  EXPECT_EQ(c.Get("/v1/models/nano-agent")->status, 200);
  auto missing = c.Get("/v1/models/gpt-4");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["error"]["code"], "model_not_found");
  auto h = c.Get("/health");
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(json::parse(h->body)["status"], "ok");
}

// `curl -d @file` labels the body a form (application/x-www-form-urlencoded), which
// cpp-httplib alone would refuse with 413 above 8 KB: every API body is read as JSON up to
// --max-body-bytes whatever its Content-Type. 100 KB of JSON (a short prompt, padded).
TEST_F(Api, LargeBodyWithFormContentTypeIsJson) {
  auto c = server_->client();
  json req = {{"model", "nano-agent"}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}, {"max_tokens", 2}};
  const std::string body = req.dump() + std::string(100 * 1024, ' ');
  for (const char* type : {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"}) {
    auto r = c.Post("/v1/chat/completions", body, type);
    ASSERT_TRUE(r) << type;
    EXPECT_EQ(r->status, 200) << type << ": " << r->body.substr(0, 300);
    EXPECT_EQ(json::parse(r->body)["object"], "chat.completion") << type;
  }
}

TEST_F(Api, ToolCallStreamedEqualsWhole) {
  auto c = server_->client();
  json whole = post(c, "/v1/chat/completions", calculator_request());
  const json& msg = whole["choices"][0]["message"];
  EXPECT_EQ(whole["object"], "chat.completion");
  EXPECT_EQ(whole["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_TRUE(msg["content"].is_null());
  ASSERT_EQ(msg["tool_calls"].size(), 1u);
  EXPECT_EQ(msg["tool_calls"][0]["type"], "function");
  EXPECT_EQ(msg["tool_calls"][0]["function"]["name"], "calculator");
  EXPECT_EQ(msg["tool_calls"][0]["id"].get<std::string>().rfind("call_", 0), 0u);
  json args = json::parse(msg["tool_calls"][0]["function"]["arguments"].get<std::string>());
  EXPECT_TRUE(args["expression"].is_string());
  EXPECT_EQ(whole["usage"]["prompt_tokens"], 490);
  EXPECT_GT(whole["usage"]["completion_tokens"], 10);
  EXPECT_EQ(whole["usage"]["total_tokens"], whole["usage"]["prompt_tokens"].get<int>() + whole["usage"]["completion_tokens"].get<int>());

  StreamResult s = assemble_chat_stream(post_raw(c, "/v1/chat/completions", stream_of(calculator_request())));
  EXPECT_TRUE(s.done);
  json want = normalized_message(msg);
  // Ids are per response; the rest must be identical.
  ASSERT_EQ(s.message["tool_calls"].size(), 1u);
  EXPECT_EQ(s.message["tool_calls"][0]["id"].get<std::string>().rfind("call_", 0), 0u);
  s.message["tool_calls"][0]["id"] = want["tool_calls"][0]["id"];
  EXPECT_EQ(s.message, want);
  EXPECT_EQ(s.finish_reason, "tool_calls");
  EXPECT_EQ(s.usage["prompt_tokens"], whole["usage"]["prompt_tokens"]);
  EXPECT_EQ(s.usage["completion_tokens"], whole["usage"]["completion_tokens"]);
}

TEST_F(Api, ThinkingToolRoundTrip) {
  auto c = server_->client();
  json req = calculator_request();
  req["thinking"] = {{"type", "enabled"}};
  json first = post(c, "/v1/chat/completions", req);
  const json& m1 = first["choices"][0]["message"];
  EXPECT_EQ(first["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_FALSE(m1["reasoning_content"].get<std::string>().empty());
  EXPECT_GT(first["usage"]["completion_tokens_details"]["reasoning_tokens"], 0);
  ASSERT_EQ(m1["tool_calls"].size(), 1u);
  // The assistant turn goes back as returned (reasoning_content included), then the result.
  req["messages"].push_back(m1);
  req["messages"].push_back({{"role", "tool"}, {"tool_call_id", m1["tool_calls"][0]["id"]}, {"content", "5.693430656934306"}});
  json second = post(c, "/v1/chat/completions", req);
  const json& m2 = second["choices"][0]["message"];
  EXPECT_EQ(second["choices"][0]["finish_reason"], "stop");
  EXPECT_FALSE(m2.contains("tool_calls"));
  EXPECT_FALSE(m2["content"].get<std::string>().empty());
  EXPECT_EQ(m2["content"].get<std::string>().find("｜DSML｜"), std::string::npos);
  // The same turn through chat_template_kwargs, streamed: the same answer.
  json req2 = req;
  req2.erase("thinking");
  req2["chat_template_kwargs"] = {{"thinking", true}};
  StreamResult s = assemble_chat_stream(post_raw(c, "/v1/chat/completions", stream_of(req2)));
  EXPECT_EQ(s.message, normalized_message(m2));
  EXPECT_EQ(s.finish_reason, "stop");
}

TEST_F(Api, PlainAnswerStopAndLength) {
  auto c = server_->client();
  json req = {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})}, {"temperature", 0}};
  json a = post(c, "/v1/chat/completions", req);
  const std::string answer = a["choices"][0]["message"]["content"];
  EXPECT_EQ(a["choices"][0]["finish_reason"], "stop");
  EXPECT_FALSE(a["choices"][0]["message"].contains("reasoning_content"));  // chat mode
  ASSERT_GT(answer.size(), 4u);
  // `stop`: the text ends before the stop sequence.
  json r = req;
  r["stop"] = json::array({answer.substr(3, 2)});
  json b = post(c, "/v1/chat/completions", r);
  EXPECT_EQ(b["choices"][0]["message"]["content"], answer.substr(0, 3));
  EXPECT_EQ(b["choices"][0]["finish_reason"], "stop");
  // max_tokens (and max_completion_tokens): cut off, finish_reason "length".
  r = req;
  r["max_completion_tokens"] = 2;
  json d = post(c, "/v1/chat/completions", r);
  EXPECT_EQ(d["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(d["usage"]["completion_tokens"], 2);
  EXPECT_EQ(answer.rfind(d["choices"][0]["message"]["content"].get<std::string>(), 0), 0u);
}

TEST_F(Api, Logprobs) {
  auto c = server_->client();
  json req = {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})},
              {"temperature", 0}, {"logprobs", true}, {"top_logprobs", 3}, {"max_tokens", 5}};
  json a = post(c, "/v1/chat/completions", req);
  const json& lp = a["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(lp.size(), a["usage"]["completion_tokens"].get<size_t>());
  std::string joined;
  for (const auto& e : lp) {
    ASSERT_EQ(e["top_logprobs"].size(), 3u);
    EXPECT_LE(e["logprob"].get<double>(), 0.0);
    EXPECT_EQ(e["top_logprobs"][0]["token"], e["token"]);  // greedy: the most likely token
    EXPECT_DOUBLE_EQ(e["top_logprobs"][0]["logprob"].get<double>(), e["logprob"].get<double>());
    EXPECT_GE(e["top_logprobs"][0]["logprob"].get<double>(), e["top_logprobs"][1]["logprob"].get<double>());
    joined += e["token"].get<std::string>();
  }
  EXPECT_EQ(joined, a["choices"][0]["message"]["content"]);
  // Streamed: the same entries, spread over the chunks.
  std::string body = post_raw(c, "/v1/chat/completions", stream_of(req, false));
  json entries = json::array();
  for (const auto& p : sse_payloads(body)) {
    if (p == "[DONE]") continue;
    json ch = json::parse(p);
    if (!ch["choices"][0]["logprobs"].is_null())
      for (const auto& e : ch["choices"][0]["logprobs"]["content"]) entries.push_back(e);
  }
  EXPECT_EQ(entries, lp);
}

TEST_F(Api, ToolChoice) {
  auto c = server_->client();
  json hello = {{"messages", json::array({{{"role", "system"}, {"content", "You are a helpful assistant."}},
                                          {{"role", "user"}, {"content", "Hello"}}})},
                {"tools", nano_tools()}, {"temperature", 0}};
  json free = post(c, "/v1/chat/completions", hello);
  EXPECT_FALSE(free["choices"][0]["message"].contains("tool_calls"));  // a greeting needs no tool
  EXPECT_GT(free["usage"]["prompt_tokens"], 400);
  hello["tool_choice"] = "none";
  json none = post(c, "/v1/chat/completions", hello);
  EXPECT_FALSE(none["choices"][0]["message"].contains("tool_calls"));
  EXPECT_LT(none["usage"]["prompt_tokens"], 100);  // rendered without the tool list
  hello["tool_choice"] = "required";
  json forced = post(c, "/v1/chat/completions", hello);
  ASSERT_GE(forced["choices"][0]["message"]["tool_calls"].size(), 1u);
  EXPECT_EQ(forced["choices"][0]["finish_reason"], "tool_calls");
  EXPECT_TRUE(json::accept(forced["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"].get<std::string>()));
  EXPECT_EQ(forced["usage"]["prompt_tokens"], free["usage"]["prompt_tokens"].get<int>() + 19);  // + the forced opener
  json req = calculator_request();
  json named;
  for (const char* name : {"bash", "read_file", "write_file"}) {
    req["tool_choice"] = {{"type", "function"}, {"function", {{"name", name}}}};
    named = post(c, "/v1/chat/completions", req);
    ASSERT_EQ(named["choices"][0]["message"]["tool_calls"].size(), 1u) << named.dump();
    EXPECT_EQ(named["choices"][0]["message"]["tool_calls"][0]["function"]["name"], name);
    EXPECT_EQ(named["choices"][0]["finish_reason"], "tool_calls");
  }
  // Streamed, the forced call arrives as deltas like any other: the first tool_calls delta
  // names it (index, id, type, name, arguments ""), then the arguments follow in pieces
  // (index and function.arguments only) that add up to the non-streamed arguments.
  req["stream"] = true;
  const std::string body = post_raw(c, "/v1/chat/completions", req);
  StreamResult s = assemble_chat_stream(body);
  ASSERT_EQ(s.message["tool_calls"].size(), 1u);
  EXPECT_EQ(s.message["tool_calls"][0]["name"], "write_file");
  EXPECT_EQ(s.finish_reason, "tool_calls");
  std::vector<json> calls;
  for (const auto& p : sse_payloads(body)) {
    if (p == "[DONE]") continue;
    json chunk = json::parse(p);
    if (!chunk["choices"].empty() && chunk["choices"][0]["delta"].contains("tool_calls"))
      calls.push_back(chunk["choices"][0]["delta"]["tool_calls"][0]);
  }
  const std::string want = named["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"];
  ASSERT_GT(calls.size(), 4u) << want;
  EXPECT_EQ(calls[0]["index"], 0);
  EXPECT_EQ(calls[0]["id"].get<std::string>().rfind("call_", 0), 0u);
  EXPECT_EQ(calls[0]["type"], "function");
  EXPECT_EQ(calls[0]["function"], json({{"name", "write_file"}, {"arguments", ""}}));
  std::string args;
  for (size_t i = 1; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].size(), 2u) << calls[i].dump();
    EXPECT_EQ(calls[i]["index"], 0);
    args += calls[i]["function"]["arguments"].get<std::string>();
  }
  EXPECT_EQ(args, want);
}

TEST_F(Api, ResponseFormatIsRendered) {
  auto c = server_->client();
  json req = {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})}, {"temperature", 0}, {"max_tokens", 1}};
  json plain = post(c, "/v1/chat/completions", req);
  req["response_format"] = {{"type", "json_object"}};
  json fmt = post(c, "/v1/chat/completions", req);
  EXPECT_GT(fmt["usage"]["prompt_tokens"], plain["usage"]["prompt_tokens"]);
  req["response_format"] = {{"type", "json_schema"}, {"json_schema", {{"name", "r"}, {"schema", {{"type", "object"}}}}}};
  EXPECT_EQ(c.Post("/v1/chat/completions", req.dump(), "application/json")->status, 200);
}

TEST_F(Api, TextCompletions) {
  auto c = server_->client();
  json req = {{"model", "anything"}, {"prompt", "<｜User｜>Hello<｜Assistant｜></think>"}, {"max_tokens", 6}, {"temperature", 0}};
  json a = post(c, "/v1/completions", req);
  EXPECT_EQ(a["object"], "text_completion");
  EXPECT_EQ(a["model"], "nano-agent");
  const std::string text = a["choices"][0]["text"];
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(a["usage"]["completion_tokens"], 6);
  EXPECT_EQ(a["choices"][0]["finish_reason"], "length");
  // The chat endpoint says the same for the same prompt (BOS is added to raw prompts).
  json chat = post(c, "/v1/chat/completions",
                   {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})}, {"temperature", 0}, {"max_tokens", 6}});
  EXPECT_EQ(chat["choices"][0]["message"]["content"], text);
  EXPECT_EQ(chat["usage"]["prompt_tokens"], a["usage"]["prompt_tokens"]);
  // Streamed and echoed.
  std::string body = post_raw(c, "/v1/completions", stream_of(req));
  std::string streamed;
  std::string finish;
  for (const auto& p : sse_payloads(body)) {
    if (p == "[DONE]") continue;
    json ch = json::parse(p);
    for (const auto& x : ch["choices"]) {
      streamed += x["text"].get<std::string>();
      if (!x["finish_reason"].is_null()) finish = x["finish_reason"];
    }
  }
  EXPECT_EQ(streamed, text);
  EXPECT_EQ(finish, "length");
  req["echo"] = true;
  req["logprobs"] = 2;
  json e = post(c, "/v1/completions", req);
  EXPECT_EQ(e["choices"][0]["text"], req["prompt"].get<std::string>() + text);
  EXPECT_EQ(e["choices"][0]["logprobs"]["tokens"].size(), 6u);
  EXPECT_EQ(e["choices"][0]["logprobs"]["text_offset"][0], req["prompt"].get<std::string>().size());
  // Token ids as the prompt.
  json ids = post(c, "/v1/completions", {{"prompt", json::array({0, 128803, 19923, 128804, 128799})}, {"max_tokens", 6}, {"temperature", 0}});
  EXPECT_EQ(ids["choices"][0]["text"], text);
}

TEST_F(Api, Metrics) {
  auto c = server_->client();
  post(c, "/v1/chat/completions", {{"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}, {"max_tokens", 3}});
  // The scheduler updates its counters right after the step that answered the request.
  std::string t;
  for (int i = 0; i < 200; ++i) {
    auto r = c.Get("/metrics");
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4");
    t = r->body;
    if (t.find("\ndseek_requests_active{model=\"nano-agent\"} 0\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const char* name : {"dseek_http_requests_total{path=\"/v1/chat/completions\",status=\"200\"}", "dseek_requests_total",
                           "dseek_prompt_tokens_total", "dseek_generated_tokens_total", "dseek_prefill_tokens_per_second",
                           "dseek_decode_tokens_per_second", "dseek_queue_depth", "dseek_kv_cache_usage_ratio",
                           "dseek_kv_cache_bytes"})
    EXPECT_NE(t.find(name), std::string::npos) << name;
  auto value = [&](const std::string& name) {
    auto at = t.find("\n" + name + "{");
    EXPECT_NE(at, std::string::npos) << name;
    return std::stod(t.substr(t.find("} ", at) + 2));
  };
  EXPECT_GE(value("dseek_generated_tokens_total"), 3);
  EXPECT_GT(value("dseek_decode_tokens_per_second"), 0);
  EXPECT_GT(value("dseek_prefill_tokens_per_second"), 0);
  EXPECT_EQ(value("dseek_queue_depth"), 0);
}

TEST_F(Api, PrefixCacheGivesTheSameAnswer) {
  auto c = server_->client();
  json req = calculator_request();
  req["messages"][1]["content"] = "What is 4521 - 17?";
  json a = post(c, "/v1/chat/completions", req);
  json b = post(c, "/v1/chat/completions", req);
  EXPECT_GT(b["usage"]["prompt_tokens_details"]["cached_tokens"], 400);  // the system prompt + tools, at least
  EXPECT_LT(b["usage"]["prompt_tokens_details"]["cached_tokens"], b["usage"]["prompt_tokens"]);
  json ma = normalized_message(a["choices"][0]["message"]), mb = normalized_message(b["choices"][0]["message"]);
  for (auto* m : {&ma, &mb})
    for (auto& tc : (*m)["tool_calls"]) tc["id"] = "";
  EXPECT_EQ(ma, mb);
  EXPECT_EQ(a["usage"]["completion_tokens"], b["usage"]["completion_tokens"]);
}

// --kv-budget: the default max_tokens shrinks to what the cache holds; a prompt larger
// than the cache is refused.
TEST(KvBudget, ClampsAndRefuses) {
  ServerOptions o;
  o.kv_budget_bytes = 1 << 20;  // 25 blocks of 64 tokens for this model
  LiveServer s(o);
  auto c = s.client();
  auto m = c.Get("/metrics");
  ASSERT_NE(m->body.find("dseek_kv_blocks_capacity{model=\"nano-agent\"} 25"), std::string::npos) << m->body;
  json req = calculator_request();
  req["thinking"] = {{"type", "enabled"}};  // default max_tokens 32768: more than the cache holds
  json a = post(c, "/v1/chat/completions", req);
  EXPECT_EQ(a["choices"][0]["finish_reason"], "tool_calls");
  std::string words;
  for (int i = 0; i < 2000; ++i) words += "apple ";
  req["messages"][1]["content"] = words;
  json e = post(c, "/v1/chat/completions", req, 400);
  EXPECT_EQ(e["error"]["code"], "context_length_exceeded");
  EXPECT_NE(e["error"]["message"].get<std::string>().find("KV cache holds 1600 tokens"), std::string::npos) << e;
  req["messages"][1]["content"] = "Hi";
  req["max_tokens"] = 100000;  // explicit, too: clamped rather than refused
  EXPECT_EQ(c.Post("/v1/chat/completions", req.dump(), "application/json")->status, 200);
}

TEST(ApiKey, RequiredExceptForHealth) {
  ServerOptions o;
  o.api_key = "sk-test-123";
  LiveServer s(o);
  auto c = s.client();
  json req = {{"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}, {"max_tokens", 1}};
  auto none = c.Post("/v1/chat/completions", req.dump(), "application/json");
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["error"]["code"], "invalid_api_key");
  EXPECT_EQ(c.Get("/v1/models")->status, 401);
  httplib::Headers wrong = {{"Authorization", "Bearer sk-test-124"}};
  EXPECT_EQ(c.Post("/v1/chat/completions", wrong, req.dump(), "application/json")->status, 401);
  httplib::Headers right = {{"Authorization", "Bearer sk-test-123"}};
  EXPECT_EQ(c.Post("/v1/chat/completions", right, req.dump(), "application/json")->status, 200);
  EXPECT_EQ(c.Get("/v1/models", right)->status, 200);
  EXPECT_EQ(c.Get("/health")->status, 200);
}

}  // namespace
}  // namespace dseek::server::test
