// Request fidelity: every top-level field of a chat / text completion request is in the
// README's table (src/server/README.md, "Request fields") and is honoured, refused with a 400
// naming it, or accepted with no effect exactly as the table says. One table in this file
// drives the checks; it must list the same fields as the README, and the README the same
// fields as the server. Plus: unknown fields, conflicting switches, range messages and no
// library text in any error.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "server/chat_fields.h"
#include "server/completion_request.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

// One field: the extra body fields of a request that must succeed (`ok`, null: none) and of
// one that must be a 400 whose param starts with the field's name (`bad`).
struct FieldCase {
  std::string field, endpoint, status;  // endpoint: chat / completions / both; status: yes / ignored / 400
  json ok, bad;
};

std::vector<FieldCase> field_cases() {
  const json user = {{"role", "user"}, {"content", "Hello"}};
  return {
      {"model", "both", "yes", {{"model", "anything"}}, {{"model", 5}}},
      {"messages", "chat", "yes", {{"messages", json::array({user})}}, {{"messages", "Hi"}}},
      {"prompt", "completions", "yes", {{"prompt", "Hi"}}, {{"prompt", 5}}},
      {"max_tokens", "both", "yes", {{"max_tokens", 3}}, {{"max_tokens", 0}}},
      {"max_completion_tokens", "chat", "yes", {{"max_completion_tokens", 4}}, {{"max_completion_tokens", 0}}},
      {"temperature", "both", "yes", {{"temperature", 0.5}}, {{"temperature", 3}}},
      {"top_p", "both", "yes", {{"top_p", 0.9}}, {{"top_p", 1.5}}},
      {"top_k", "both", "yes", {{"top_k", 5}}, {{"top_k", -1}}},
      {"min_p", "both", "yes", {{"min_p", 0.1}}, {{"min_p", 2}}},
      {"seed", "both", "yes", {{"seed", -7}}, {{"seed", "x"}}},
      {"n", "both", "yes", {{"n", 2}}, {{"n", 0}}},
      {"stop", "both", "yes", {{"stop", "\n\n"}}, {{"stop", json::array({5})}}},
      {"stop_token_ids", "both", "yes", {{"stop_token_ids", {1}}}, {{"stop_token_ids", {-1}}}},
      {"presence_penalty", "both", "yes", {{"presence_penalty", 0.5}}, {{"presence_penalty", 3}}},
      {"frequency_penalty", "both", "yes", {{"frequency_penalty", 0.5}}, {{"frequency_penalty", -3}}},
      {"repetition_penalty", "both", "yes", {{"repetition_penalty", 1.1}}, {{"repetition_penalty", 0}}},
      {"logit_bias", "both", "yes", {{"logit_bias", {{"15", 1}}}}, {{"logit_bias", {{"x", 1}}}}},
      {"logprobs", "chat", "yes", {{"logprobs", true}}, {{"logprobs", 2}}},
      {"logprobs", "completions", "yes", {{"logprobs", 2}}, {{"logprobs", 6}}},
      {"top_logprobs", "chat", "yes", {{"logprobs", true}, {"top_logprobs", 2}}, {{"logprobs", true}, {"top_logprobs", 21}}},
      {"echo", "completions", "yes", {{"echo", true}}, {{"echo", "x"}}},
      {"best_of", "completions", "yes", {{"best_of", 1}}, {{"best_of", 2}}},
      {"suffix", "completions", "400", nullptr, {{"suffix", "x"}}},
      {"stream", "both", "yes", {{"stream", true}}, {{"stream", "yes"}}},
      {"stream_options", "both", "yes", {{"stream_options", {{"include_usage", true}, {"include_obfuscation", false}}}},
       {{"stream_options", {{"include_usage", 1}}}}},
      {"ignore_eos", "both", "yes", {{"ignore_eos", true}}, {{"ignore_eos", "x"}}},
      {"tools", "chat", "yes", {{"tools", nano_tools()}}, {{"tools", json::object()}}},
      {"tool_choice", "chat", "yes", {{"tool_choice", "none"}}, {{"tool_choice", "always"}}},
      {"parallel_tool_calls", "chat", "yes", {{"parallel_tool_calls", false}}, {{"parallel_tool_calls", "x"}}},
      {"response_format", "both", "yes", {{"response_format", {{"type", "text"}}}}, {{"response_format", {{"type", "xml"}}}}},
      {"thinking", "chat", "yes", {{"thinking", {{"type", "disabled"}}}}, {{"thinking", {{"type", "on"}}}}},
      {"enable_thinking", "chat", "yes", {{"enable_thinking", false}}, {{"enable_thinking", "x"}}},
      {"chat_template_kwargs", "chat", "yes", {{"chat_template_kwargs", {{"thinking", false}}}},
       {{"chat_template_kwargs", {{"foo", true}}}}},
      {"continue_final_message", "chat", "yes",
       {{"messages", json::array({user, {{"role", "assistant"}, {"content", "Hel"}}})}, {"continue_final_message", true}},
       {{"continue_final_message", "x"}}},
      {"add_generation_prompt", "chat", "yes", {{"add_generation_prompt", false}}, {{"add_generation_prompt", 1}}},
      {"reasoning_effort", "chat", "yes", {{"reasoning_effort", "low"}}, {{"reasoning_effort", "extreme"}}},
      {"user", "both", "ignored", {{"user", "u-1"}}, {{"user", 5}}},
      {"safety_identifier", "chat", "ignored", {{"safety_identifier", "s-1"}}, {{"safety_identifier", 5}}},
      {"metadata", "chat", "ignored", {{"metadata", {{"k", "v"}}}}, {{"metadata", {{"k", 1}}}}},
      {"store", "chat", "ignored", {{"store", true}}, {{"store", "x"}}},
      {"service_tier", "chat", "ignored", {{"service_tier", "auto"}}, {{"service_tier", "gold"}}},
      {"prompt_cache_key", "chat", "ignored", {{"prompt_cache_key", "k"}}, {{"prompt_cache_key", 5}}},
      {"prediction", "chat", "ignored", {{"prediction", {{"type", "content"}, {"content", "Hello"}}}}, {{"prediction", {{"type", "x"}}}}},
      {"verbosity", "chat", "ignored", {{"verbosity", "low"}}, {{"verbosity", "loud"}}},
      {"modalities", "chat", "ignored", {{"modalities", {"text"}}}, {{"modalities", {"audio"}}}},
      {"audio", "chat", "400", nullptr, {{"audio", {{"voice", "alloy"}, {"format", "wav"}}}}},
      {"web_search_options", "chat", "400", nullptr, {{"web_search_options", json::object()}}},
      {"functions", "chat", "400", nullptr, {{"functions", json::array({{{"name", "f"}}})}}},
      {"function_call", "chat", "400", nullptr, {{"function_call", "auto"}}},
  };
}

// The README's "Request fields" rows: field -> (endpoint, status).
std::map<std::string, std::pair<std::string, std::string>> readme_fields() {
  std::ifstream in(dseek::test::repo_dir() + "/src/server/README.md");
  std::map<std::string, std::pair<std::string, std::string>> rows;
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Request fields";
    if (!in_section || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(cell.substr(1, cell.size() >= 2 ? cell.size() - 2 : 0));
    if (cells.size() < 3) continue;
    rows[cells[0].substr(1, cells[0].size() - 2)] = {cells[1], cells[2]};
  }
  return rows;
}

bool on(const std::string& endpoint, const std::string& which) { return endpoint == "both" || endpoint == which; }

std::set<std::string> readme_set(const std::string& which) {
  std::set<std::string> s;
  for (const auto& [f, es] : readme_fields())
    if (on(es.first, which)) s.insert(f);
  return s;
}

template <class V>
std::set<std::string> as_set(const V& v) {
  return std::set<std::string>(v.begin(), v.end());
}

// No library's own text in an error message (nlohmann's "[json.exception...", parser wording).
void expect_clean(const json& err) {
  const std::string m = err["message"].get<std::string>();
  for (const char* leak : {"json.exception", "type_error", "parse_error", "syntax error", "[json", "basic_string"})
    EXPECT_EQ(m.find(leak), std::string::npos) << m;
}

class RequestFields : public SharedServerTestWith<ctx1024_parallel4> {
 protected:
  static const char* path(const std::string& which) { return which == "chat" ? "/v1/chat/completions" : "/v1/completions"; }
  static json base(const std::string& which) {
    json b = {{"max_tokens", 4}, {"temperature", 0}};
    if (which == "chat") b["messages"] = json::array({{{"role", "user"}, {"content", "Hello"}}});
    else b["prompt"] = "Hello";
    return b;
  }
  static httplib::Result send(const std::string& which, const json& body) {
    auto c = server_->client();
    return c.Post(path(which), body.dump(), "application/json");
  }
};

// The README's table lists exactly the fields each endpoint knows, and this test's table
// exactly the README's, with the same status.
TEST_F(RequestFields, ReadmeTableIsTheServersFieldList) {
  EXPECT_EQ(readme_set("chat"), as_set(chat_known_fields()));
  EXPECT_EQ(readme_set("completions"), as_set(completion_known_fields()));
  auto rows = readme_fields();
  std::set<std::pair<std::string, std::string>> from_test, from_readme;
  for (const auto& fc : field_cases()) {
    for (const char* which : {"chat", "completions"})
      if (on(fc.endpoint, which)) from_test.insert({fc.field, which});
    ASSERT_TRUE(rows.count(fc.field)) << fc.field;
    EXPECT_EQ(rows[fc.field].second, fc.status) << fc.field;
  }
  for (const auto& [f, es] : rows)
    for (const char* which : {"chat", "completions"})
      if (on(es.first, which)) from_readme.insert({f, which});
  EXPECT_EQ(from_test, from_readme);
}

// Each field: its ok value is served (an ignored field changes nothing in the answer), its bad
// value is a clean 400 naming it, and a refused field is refused.
TEST_F(RequestFields, EachFieldHonouredRefusedOrIgnored) {
  std::map<std::string, std::string> baseline;
  for (const char* which : {"chat", "completions"}) {
    auto r = send(which, base(which));
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    json j = json::parse(r->body);
    baseline[which] = which == std::string("chat") ? j["choices"][0]["message"]["content"] : j["choices"][0]["text"];
  }
  int checked = 0;
  for (const auto& fc : field_cases()) {
    for (const std::string which : {"chat", "completions"}) {
      if (!on(fc.endpoint, which)) continue;
      SCOPED_TRACE(fc.field + " on " + which);
      if (!fc.ok.is_null()) {
        json b = base(which);
        for (auto& [k, v] : fc.ok.items()) b[k] = v;
        auto r = send(which, b);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        if (fc.status == "ignored") {
          json j = json::parse(r->body);
          EXPECT_EQ(which == "chat" ? j["choices"][0]["message"]["content"] : j["choices"][0]["text"], baseline[which]);
        }
        ++checked;
      }
      json b = base(which);
      for (auto& [k, v] : fc.bad.items()) b[k] = v;
      auto r = send(which, b);
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 400) << r->body;
      json e = json::parse(r->body)["error"];
      EXPECT_EQ(e["param"].get<std::string>().rfind(fc.field, 0), 0u) << e;
      if (fc.status == "400") {
        EXPECT_EQ(e["code"], "unsupported_parameter") << e;
      }
      expect_clean(e);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST_F(RequestFields, UnknownFieldsAre400NamingThem) {
  for (const std::string which : {"chat", "completions"}) {
    for (const char* f : {"frobnicate", "min_tokens", "guided_json"}) {  // the last two: vLLM's, not implemented
      json b = base(which);
      b[f] = 1;
      auto r = send(which, b);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 400);
      json e = json::parse(r->body)["error"];
      EXPECT_EQ(e["code"], "unknown_parameter");
      EXPECT_EQ(e["param"], f);
      EXPECT_EQ(e["message"], std::string("Unrecognized request argument supplied: ") + f);
    }
  }
  json b = base("chat");
  b["messages"] = json::array({{{"role", "user"}, {"content", "Hello"}}});
  b["stream_options"] = {{"include_usage", true}, {"chunk_size", 2}};
  auto r = send("chat", b);
  EXPECT_EQ(json::parse(r->body)["error"]["param"], "stream_options.chunk_size");
  b.erase("stream_options");
  b["thinking"] = {{"type", "enabled"}, {"budget_tokens", 2000}};
  r = send("chat", b);
  EXPECT_EQ(json::parse(r->body)["error"]["param"], "thinking.budget_tokens");
  b.erase("thinking");
  b["chat_template_kwargs"] = {{"thinking", true}, {"add_generation_prompt", true}};
  r = send("chat", b);
  EXPECT_EQ(r->status, 400);
  json e = json::parse(r->body)["error"];
  EXPECT_EQ(e["param"], "chat_template_kwargs.add_generation_prompt");
  EXPECT_NE(e["message"].get<std::string>().find("known: thinking, enable_thinking"), std::string::npos) << e;
}

// Two thinking switches that disagree, or max_tokens and max_completion_tokens that differ:
// 400 naming the later one; switches that agree are served.
TEST_F(RequestFields, ConflictingSwitchesAre400) {
  struct Conflict {
    json extra;
    std::string param;
  };
  const std::vector<Conflict> conflicts = {
      {{{"thinking", {{"type", "enabled"}}}, {"chat_template_kwargs", {{"thinking", false}}}}, "chat_template_kwargs.thinking"},
      {{{"thinking", {{"type", "disabled"}}}, {"enable_thinking", true}}, "enable_thinking"},
      {{{"enable_thinking", true}, {"chat_template_kwargs", {{"enable_thinking", false}}}}, "chat_template_kwargs.enable_thinking"},
      {{{"chat_template_kwargs", {{"thinking", true}, {"enable_thinking", false}}}}, "chat_template_kwargs.enable_thinking"},
      {{{"max_tokens", 4}, {"max_completion_tokens", 5}}, "max_completion_tokens"},
  };
  for (const auto& c : conflicts) {
    json b = base("chat");
    for (auto& [k, v] : c.extra.items()) b[k] = v;
    auto r = send("chat", b);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << b.dump();
    json e = json::parse(r->body)["error"];
    EXPECT_EQ(e["param"], c.param) << e;
    EXPECT_NE(e["message"].get<std::string>().find("conflicts with"), std::string::npos) << e;
  }
  // Agreeing switches, and top-level enable_thinking alone, give thinking mode.
  for (json extra : {json{{"thinking", {{"type", "enabled"}}}, {"enable_thinking", true}, {"chat_template_kwargs", {{"thinking", true}}}},
                     json{{"enable_thinking", true}}}) {
    json b = base("chat");
    for (auto& [k, v] : extra.items()) b[k] = v;
    auto r = send("chat", b);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_TRUE(json::parse(r->body)["choices"][0]["message"].contains("reasoning_content")) << extra;
  }
  json b = base("chat");
  b["enable_thinking"] = false;
  EXPECT_FALSE(json::parse(send("chat", b)->body)["choices"][0]["message"].contains("reasoning_content"));
}

TEST_F(RequestFields, RangeErrorsNameTheBound) {
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"temperature", 3}}, "'temperature' must be in [0, 2], got 3"},
      {{{"top_p", -0.5}}, "'top_p' must be in [0, 1], got -0.5"},
      {{{"presence_penalty", 2.5}}, "'presence_penalty' must be in [-2, 2], got 2.5"},
      {{{"n", 129}}, "'n' must be in [1, 128], got 129"},
      {{{"repetition_penalty", 0}}, "'repetition_penalty' must be in (0, 10], got 0"},
      {{{"logprobs", true}, {"top_logprobs", 21}}, "'top_logprobs' must be in [0, 20], got 21"},
      {{{"logit_bias", {{"5", 101}}}}, "'logit_bias' values must be in [-100, 100], got 101 for token 5"},
      {{{"logit_bias", {{"999999", 1}}}}, "'logit_bias' names token 999999, but the vocabulary has ids 0..129279"},
      {{{"stop_token_ids", {129280}}}, "'stop_token_ids' holds 129280, but the vocabulary has ids 0..129279"},
      {{{"max_tokens", 0}}, "'max_tokens' must be at least 1, got 0"},
      // Past 64 bits the number parses as a double: still out of range, not "not an integer".
      {{{"max_tokens", json::parse("99999999999999999999")}}, "'max_tokens' must be at most 2147483647, got 1e+20"},
  };
  for (const auto& [extra, msg] : cases) {
    json b = base("chat");
    for (auto& [k, v] : extra.items()) b[k] = v;
    auto r = send("chat", b);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(json::parse(r->body)["error"]["message"], msg);
  }
}

// Malformed bodies and values of every JSON type in nested fields: 200 or a 400 without any
// library text (never a 500 "internal error: [json.exception...").
TEST_F(RequestFields, ErrorsNeverLeakLibraryText) {
  auto c = server_->client();
  for (const std::string bad : {"{\"messages\": [", "{\"a\": 1,}", "", "\xff", "{\"a\": \"\xc3\x28\"}"}) {
    auto r = c.Post("/v1/chat/completions", bad, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    json e = json::parse(r->body)["error"];
    EXPECT_EQ(e["code"], "invalid_json");
    expect_clean(e);
  }
  auto r = c.Post("/v1/chat/completions", "{\n  \"messages\": [,\n}", "application/json");
  EXPECT_EQ(json::parse(r->body)["error"]["message"],
            "We could not parse the JSON body of your request: invalid JSON at line 2, column 16");
  const std::vector<json> values = {nullptr, true, 5, -1.5, "x", json::array(), json::object(), json::array({1}),
                                    json::object({{"type", 1}})};
  const std::vector<json::json_pointer> paths = {
      "/tools/0/type"_json_pointer, "/tools/0/function"_json_pointer, "/tools/0/function/name"_json_pointer,
      "/tools/0/function/parameters"_json_pointer, "/tools/0/function/parameters/properties"_json_pointer,
      "/response_format/json_schema"_json_pointer, "/response_format/json_schema/schema"_json_pointer,
      "/tool_choice/function"_json_pointer, "/tool_choice/function/name"_json_pointer, "/messages/0/content/0/type"_json_pointer,
      "/messages/0/content/0/text"_json_pointer, "/messages/0/content/0"_json_pointer, "/logit_bias/5"_json_pointer,
      "/metadata/k"_json_pointer, "/prediction/content"_json_pointer, "/stream_options/include_usage"_json_pointer,
      "/chat_template_kwargs/thinking"_json_pointer, "/thinking/type"_json_pointer, "/stop/0"_json_pointer,
      "/stop_token_ids/0"_json_pointer};
  const json full = {{"messages", json::array({{{"role", "user"}, {"content", json::array({{{"type", "text"}, {"text", "Hi"}}})}}})},
                     {"max_tokens", 2}, {"temperature", 0},
                     {"tools", json::array({{{"type", "function"}, {"function", {{"name", "f"}, {"parameters", {{"type", "object"}, {"properties", json::object()}}}}}}})},
                     {"tool_choice", {{"type", "function"}, {"function", {{"name", "f"}}}}},
                     {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "s"}, {"schema", {{"type", "object"}}}}}}},
                     {"logit_bias", {{"5", 1}}}, {"metadata", {{"k", "v"}}}, {"prediction", {{"type", "content"}, {"content", "x"}}},
                     {"stream_options", {{"include_usage", false}}}, {"chat_template_kwargs", {{"thinking", false}}},
                     {"thinking", {{"type", "disabled"}}}, {"stop", {"zz"}}, {"stop_token_ids", {1}}};
  ASSERT_EQ(c.Post("/v1/chat/completions", full.dump(), "application/json")->status, 200);
  int bad = 0;
  for (const auto& p : paths) {
    for (const auto& v : values) {
      json b = full;
      b[p] = v;
      auto res = c.Post("/v1/chat/completions", b.dump(), "application/json");
      ASSERT_TRUE(res);
      ASSERT_TRUE(res->status == 200 || res->status == 400) << p.to_string() << " = " << v << ": " << res->status << " " << res->body;
      if (res->status == 400) {
        ++bad;
        expect_clean(json::parse(res->body)["error"]);
      }
    }
  }
  EXPECT_GT(bad, 60);
}

}  // namespace
}  // namespace dseek::server::test
