// Bad requests: each one gets the documented HTTP status and an OpenAI error object
// {"error": {"message", "type", "param", "code"}}; none of them (nor a field-type fuzz)
// crashes or wedges the server.
#include <gtest/gtest.h>

#include "test_util.h"

namespace dseek::server::test {
namespace {

struct BadCase {
  std::string name, path, body;
  int status;
  std::string code, param, message;  // message: a substring of error.message
  std::string key = "k";             // API key sent (empty: none)
};

json user(const std::string& text) { return {{"role", "user"}, {"content", text}}; }

json chat(json extra) {
  json b = {{"model", "nano-agent"}, {"messages", json::array({user("Hi")})}, {"max_tokens", 2}};
  for (auto& [k, v] : extra.items()) b[k] = v;
  return b;
}

std::vector<BadCase> cases() {
  const json call = {{"role", "assistant"}, {"content", nullptr},
                     {"tool_calls", json::array({{{"id", "call_1"}, {"type", "function"},
                                                  {"function", {{"name", "calculator"}, {"arguments", "{\"expression\": \"1+1\"}"}}}}})}};
  std::string words;
  for (int i = 0; i < 600; ++i) words += "apple ";
  return {
      {"invalid_json", "/v1/chat/completions", "{\"messages\": [", 400, "invalid_json", "", "could not parse the JSON body"},
      {"body_not_object", "/v1/chat/completions", "[1, 2]", 400, "invalid_json", "", "must be a JSON object"},
      {"missing_messages", "/v1/chat/completions", json({{"model", "m"}}).dump(), 400, "missing_required_parameter", "messages", "'messages' is required"},
      {"empty_messages", "/v1/chat/completions", chat({{"messages", json::array()}}).dump(), 400, "invalid_value", "messages", "at least one message"},
      {"messages_not_array", "/v1/chat/completions", chat({{"messages", "Hi"}}).dump(), 400, "invalid_type", "messages", "must be an array"},
      {"message_not_object", "/v1/chat/completions", chat({{"messages", json::array({"Hi"})}}).dump(), 400, "invalid_type", "messages[0]", "must be an object"},
      {"unknown_role", "/v1/chat/completions", chat({{"messages", json::array({{{"role", "wizard"}, {"content", "x"}}})}}).dump(), 400, "invalid_value", "messages[0].role", "unknown role \"wizard\""},
      {"content_wrong_type", "/v1/chat/completions", chat({{"messages", json::array({{{"role", "user"}, {"content", 5}}})}}).dump(), 400, "invalid_type", "messages[0].content", "must be a string"},
      {"image_part", "/v1/chat/completions", chat({{"messages", json::array({{{"role", "user"}, {"content", json::array({{{"type", "image_url"}, {"image_url", {{"url", "x"}}}}})}}})}}).dump(), 400, "invalid_type", "messages[0].content", "only {\"type\": \"text\""},
      {"tool_without_call", "/v1/chat/completions", chat({{"messages", json::array({user("Hi"), {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "2"}}})}}).dump(), 400, "tool_call_mismatch", "messages[1]", "must follow an assistant message with tool_calls"},
      {"tool_id_mismatch", "/v1/chat/completions", chat({{"messages", json::array({user("Hi"), call, {{"role", "tool"}, {"tool_call_id", "call_2"}, {"content", "2"}}})}}).dump(), 400, "tool_call_mismatch", "messages[2].tool_call_id", "does not match any tool call"},
      {"tool_missing_id", "/v1/chat/completions", chat({{"messages", json::array({user("Hi"), call, {{"role", "tool"}, {"content", "2"}}})}}).dump(), 400, "invalid_type", "messages[2].tool_call_id", "must be a string"},
      {"arguments_not_object", "/v1/chat/completions", chat({{"messages", json::array({user("Hi"), {{"role", "assistant"}, {"tool_calls", json::array({{{"id", "c"}, {"type", "function"}, {"function", {{"name", "f"}, {"arguments", "[1]"}}}}})}}, {{"role", "tool"}, {"tool_call_id", "c"}, {"content", "x"}}})}}).dump(), 400, "invalid_messages", "messages", "JSON object"},
      {"temperature_type", "/v1/chat/completions", chat({{"temperature", "hot"}}).dump(), 400, "invalid_type", "temperature", "'temperature' must be a number"},
      {"temperature_range", "/v1/chat/completions", chat({{"temperature", 3}}).dump(), 400, "invalid_value", "temperature", "'temperature' must be in [0, 2], got 3"},
      {"top_p_range", "/v1/chat/completions", chat({{"top_p", 1.5}}).dump(), 400, "invalid_value", "top_p", "'top_p' must be in [0, 1], got 1.5"},
      {"max_tokens_zero", "/v1/chat/completions", chat({{"max_tokens", 0}}).dump(), 400, "invalid_value", "max_tokens", "at least 1"},
      {"max_tokens_type", "/v1/chat/completions", chat({{"max_tokens", "ten"}}).dump(), 400, "invalid_type", "max_tokens", "must be an integer"},
      {"max_completion_tokens_negative", "/v1/chat/completions", chat({{"max_completion_tokens", -5}}).dump(), 400, "invalid_value", "max_completion_tokens", "at least 1"},
      {"stream_type", "/v1/chat/completions", chat({{"stream", "yes"}}).dump(), 400, "invalid_type", "stream", "must be a boolean"},
      {"stop_type", "/v1/chat/completions", chat({{"stop", 5}}).dump(), 400, "invalid_type", "stop", "string or an array of strings"},
      {"n_too_many", "/v1/chat/completions", chat({{"n", 129}}).dump(), 400, "invalid_value", "n", "'n' must be in [1, 128], got 129"},
      {"seed_type", "/v1/chat/completions", chat({{"seed", "abc"}}).dump(), 400, "invalid_type", "seed", "must be an integer"},
      {"tools_type", "/v1/chat/completions", chat({{"tools", json::object()}}).dump(), 400, "invalid_type", "tools", "must be an array"},
      {"tool_choice_unknown_function", "/v1/chat/completions", chat({{"tools", nano_tools()}, {"tool_choice", {{"type", "function"}, {"function", {{"name", "fly"}}}}}}).dump(), 400, "invalid_value", "tool_choice", "not in 'tools'"},
      {"tool_choice_bad_string", "/v1/chat/completions", chat({{"tools", nano_tools()}, {"tool_choice", "always"}}).dump(), 400, "invalid_value", "tool_choice", "\"none\", \"auto\", \"required\""},
      {"top_logprobs_without_logprobs", "/v1/chat/completions", chat({{"top_logprobs", 2}}).dump(), 400, "invalid_value", "top_logprobs", "needs 'logprobs': true"},
      {"response_format_type", "/v1/chat/completions", chat({{"response_format", {{"type", "xml"}}}}).dump(), 400, "invalid_value", "response_format.type", "json_object"},
      {"thinking_type", "/v1/chat/completions", chat({{"thinking", "yes"}}).dump(), 400, "invalid_type", "thinking", "enabled"},
      {"prompt_too_long", "/v1/chat/completions", chat({{"messages", json::array({user(words)})}}).dump(), 400, "context_length_exceeded", "messages", "maximum context length is 512 tokens"},
      {"completion_missing_prompt", "/v1/completions", json({{"max_tokens", 2}}).dump(), 400, "missing_required_parameter", "prompt", "'prompt' is required"},
      {"completion_prompt_type", "/v1/completions", json({{"prompt", 5}}).dump(), 400, "invalid_type", "prompt", "string or an array of token ids"},
      {"completion_prompt_batch", "/v1/completions", json({{"prompt", {"a", "b"}}}).dump(), 400, "invalid_value", "prompt", "batches"},
      {"completion_token_out_of_range", "/v1/completions", json({{"prompt", {0, 999999999}}}).dump(), 400, "invalid_prompt", "prompt", "out of range"},
      {"completion_max_tokens_zero", "/v1/completions", json({{"prompt", "x"}, {"max_tokens", 0}}).dump(), 400, "invalid_value", "max_tokens", "at least 1"},
      {"completion_too_long", "/v1/completions", json({{"prompt", words}}).dump(), 400, "context_length_exceeded", "prompt", "maximum context length"},
      {"number_overflow", "/v1/chat/completions", R"({"messages": [{"role": "user", "content": "Hi"}], "temperature": 1e999})", 400, "invalid_json", "", "a number is out of range"},
      {"max_tokens_huge", "/v1/chat/completions", chat({{"max_tokens", 3000000000LL}}).dump(), 400, "invalid_value", "max_tokens", "at most 2147483647, got 3000000000"},
      {"body_too_large", "/v1/chat/completions", chat({{"messages", json::array({user(std::string(70000, 'a'))})}}).dump(), 413, "request_too_large", "", "too large"},
      {"unknown_route", "/v1/embeddings", "{}", 404, "unknown_url", "", "Invalid URL (POST /v1/embeddings)"},
      {"missing_api_key", "/v1/chat/completions", chat({}).dump(), 401, "invalid_api_key", "", "Missing API key", ""},
      {"wrong_api_key", "/v1/chat/completions", chat({}).dump(), 401, "invalid_api_key", "", "Incorrect API key", "nope"},
  };
}

class BadRequests : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions o;
    o.api_key = "k";
    o.ctx_size = 512;
    o.max_body_bytes = 64 * 1024;
    o.parallel = 2;
    server_ = new LiveServer(o);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static httplib::Headers auth(const std::string& key) {
    if (key.empty()) return {};
    return {{"Authorization", "Bearer " + key}};
  }
  static LiveServer* server_;
};
LiveServer* BadRequests::server_ = nullptr;

TEST_F(BadRequests, Table) {
  auto c = server_->client();
  for (const auto& bc : cases()) {
    SCOPED_TRACE(bc.name);
    auto r = c.Post(bc.path, auth(bc.key), bc.body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, bc.status) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
    json j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
    const json& e = j["error"];
    EXPECT_TRUE(e["message"].is_string());
    EXPECT_NE(e["message"].get<std::string>().find(bc.message), std::string::npos) << e["message"];
    EXPECT_EQ(e["type"], "invalid_request_error");
    EXPECT_EQ(e["code"], bc.code.empty() ? json(nullptr) : json(bc.code));
    EXPECT_EQ(e["param"], bc.param.empty() ? json(nullptr) : json(bc.param));
  }
  // Still serving, and every failure was counted.
  auto ok = c.Post("/v1/chat/completions", auth("k"), chat({}).dump(), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto m = c.Get("/metrics", auth("k"));
  EXPECT_NE(m->body.find("dseek_http_requests_total{path=\"/v1/chat/completions\",status=\"400\"}"), std::string::npos);
  EXPECT_NE(m->body.find("dseek_http_requests_total{path=\"/v1/chat/completions\",status=\"413\"}"), std::string::npos);
}

// A chunked body carries no Content-Length for cpp-httplib to refuse: the 413 comes from the
// route's own check, OpenAI- and Anthropic-shaped.
TEST_F(BadRequests, ChunkedBodyOverTheLimitIs413) {
  auto c = server_->client();
  const std::string body = chat({{"messages", json::array({user(std::string(70000, 'a'))})}}).dump();
  auto chunked = [&body](size_t offset, httplib::DataSink& sink) {
    sink.write(body.data() + offset, std::min<size_t>(4096, body.size() - offset));
    if (offset + 4096 >= body.size()) sink.done();
    return true;
  };
  for (const char* path : {"/v1/chat/completions", "/v1/messages"}) {
    auto r = c.Post(path, auth("k"), chunked, "application/json");
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 413) << path << ": " << r->body.substr(0, 300);
    EXPECT_NE(r->body.find("too large"), std::string::npos) << r->body;
  }
}

// Every known field, at the top level and inside a message, replaced by values of every
// JSON type: the answer is 200 or 400, never a crash or a hang.
TEST_F(BadRequests, FieldTypeFuzz) {
  auto c = server_->client();
  const json base = {{"model", "nano-agent"},
                     {"messages", json::array({{{"role", "system"}, {"content", "s"}}, user("Hi"),
                                               {{"role", "assistant"}, {"content", "a"}, {"reasoning_content", "r"}}, user("Again")})},
                     {"max_tokens", 2}, {"temperature", 0.5}, {"top_p", 0.9}, {"top_k", 5}, {"min_p", 0.1}, {"seed", 7},
                     {"stop", "x"}, {"n", 1}, {"stream", false}, {"stream_options", {{"include_usage", true}}},
                     {"logprobs", false}, {"top_logprobs", nullptr},
                     {"tools", json::array({{{"type", "function"}, {"function", {{"name", "f"}, {"parameters", {{"type", "object"}}}}}}})},
                     {"tool_choice", "auto"},
                     {"response_format", {{"type", "text"}}}, {"thinking", {{"type", "disabled"}}},
                     {"chat_template_kwargs", {{"thinking", false}}}, {"max_completion_tokens", 2}};
  const std::vector<json> values = {nullptr, true, 0, -1, 1.5, 1e300, "x", "", json::array(), json::object(),
                                    json::array({1}), json::object({{"type", 1}})};
  {
    auto r = c.Post("/v1/chat/completions", auth("k"), base.dump(), "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
  }
  int ok = 0, bad = 0;
  auto send = [&](const json& body) {
    auto r = c.Post("/v1/chat/completions", auth("k"), body.dump(), "application/json");
    ASSERT_TRUE(r) << body.dump();
    ASSERT_TRUE(r->status == 200 || r->status == 400) << r->status << " " << body.dump() << "\n" << r->body;
    (r->status == 200 ? ok : bad)++;
  };
  for (auto& [key, _] : base.items()) {
    for (const auto& v : values) {
      json b = base;
      b[key] = v;
      if (key != "max_tokens" && key != "max_completion_tokens") b["max_tokens"] = b["max_completion_tokens"] = 2;
      b["stream"] = false;
      if (key == "stream") b["stream"] = v;
      if (b["stream"] == true) continue;  // covered by the streaming tests
      send(b);
    }
  }
  for (size_t m = 0; m < base["messages"].size(); ++m) {
    for (const char* field : {"role", "content", "reasoning_content", "tool_calls", "tool_call_id", "name"}) {
      for (const auto& v : values) {
        json b = base;
        b["messages"][m][field] = v;
        send(b);
      }
    }
  }
  EXPECT_GT(ok, 20);
  EXPECT_GT(bad, 100);
  auto h = c.Get("/health");
  EXPECT_EQ(h->status, 200);
}

}  // namespace
}  // namespace dseek::server::test
