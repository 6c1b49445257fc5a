// `n` > 1 on both endpoints: n choices with indexes 0..n-1, streamed and not; a seeded request
// is reproducible, choice 0 equals the request with n = 1 (choice i samples with seed + i), and
// usage counts every choice's tokens.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "test_util.h"

namespace dseek::server::test {
namespace {

class Choices : public SharedServerTestWith<ctx1024_parallel4> {
 protected:
  static json post(const std::string& path, const json& body) {
    auto c = server_->client();
    auto r = c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no response");
    return r && r->status == 200 && body.value("stream", false) == false ? json::parse(r->body) : json();
  }
  static std::string post_stream(const std::string& path, const json& body) {
    auto c = server_->client();
    auto r = c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200);
    return r ? r->body : "";
  }
};

json chat_request(int n, int64_t seed) {
  return {{"messages", json::array({{{"role", "user"}, {"content", "Who are you?"}}})},
          {"n", n}, {"seed", seed}, {"temperature", 1.5}, {"top_p", 1}, {"max_tokens", 12}, {"logprobs", true}};
}

TEST_F(Choices, ChatNonStreamed) {
  json a = post("/v1/chat/completions", chat_request(3, 42));
  ASSERT_EQ(a["choices"].size(), 3u);
  std::set<std::string> texts;
  int64_t tokens = 0;
  for (int i = 0; i < 3; ++i) {
    const json& ch = a["choices"][i];
    EXPECT_EQ(ch["index"], i);
    EXPECT_TRUE(ch["finish_reason"] == "stop" || ch["finish_reason"] == "length") << ch;
    texts.insert(ch["message"]["content"].get<std::string>());
    tokens += static_cast<int64_t>(ch["logprobs"]["content"].size());  // one entry a generated token
  }
  EXPECT_GE(texts.size(), 2u) << a;  // different seeds: not all the same answer
  EXPECT_EQ(a["usage"]["completion_tokens"], tokens);
  EXPECT_EQ(a["usage"]["total_tokens"], a["usage"]["prompt_tokens"].get<int64_t>() + tokens);
  // Reproducible with the seed, and choice i is the n = 1 request with seed + i.
  json b = post("/v1/chat/completions", chat_request(3, 42));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b["choices"][i]["message"], a["choices"][i]["message"]) << i;
  for (int i = 0; i < 3; ++i) {
    json one = post("/v1/chat/completions", chat_request(1, 42 + i));
    ASSERT_EQ(one["choices"].size(), 1u);
    EXPECT_EQ(one["choices"][0]["message"], a["choices"][i]["message"]) << i;
  }
  // Another seed, other answers.
  json c = post("/v1/chat/completions", chat_request(3, 4242));
  EXPECT_NE(c["choices"], a["choices"]);
}

TEST_F(Choices, ChatStreamedEqualsWhole) {
  json whole = post("/v1/chat/completions", chat_request(3, 7));
  json req = chat_request(3, 7);
  req["stream"] = true;
  req["stream_options"] = {{"include_usage", true}};
  std::map<int, std::string> content;
  std::map<int, std::string> finish;
  std::map<int, int> roles;
  json usage;
  int done = 0;
  for (const auto& p : sse_payloads(post_stream("/v1/chat/completions", req))) {
    if (p == "[DONE]") {
      ++done;
      continue;
    }
    json c = json::parse(p);
    ASSERT_EQ(c["object"], "chat.completion.chunk");
    if (!c["usage"].is_null() && c.contains("usage")) usage = c["usage"];
    for (const auto& ch : c["choices"]) {
      const int i = ch["index"];
      ASSERT_TRUE(i >= 0 && i < 3) << p;
      EXPECT_FALSE(finish.count(i)) << "a chunk after choice " << i << "'s finish";
      if (ch["delta"].contains("role")) ++roles[i];
      if (ch["delta"].contains("content") && ch["delta"]["content"].is_string()) content[i] += ch["delta"]["content"].get<std::string>();
      if (!ch["finish_reason"].is_null()) finish[i] = ch["finish_reason"];
    }
  }
  EXPECT_EQ(done, 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(roles[i], 1) << i;
    EXPECT_EQ(content[i], whole["choices"][i]["message"]["content"]) << i;
    EXPECT_EQ(finish[i], whole["choices"][i]["finish_reason"]) << i;
  }
  EXPECT_EQ(usage["completion_tokens"], whole["usage"]["completion_tokens"]);
  EXPECT_EQ(usage["prompt_tokens"], whole["usage"]["prompt_tokens"]);
}

TEST_F(Choices, CompletionsStreamedAndNot) {
  json req = {{"prompt", "Once upon a time"}, {"n", 2}, {"seed", 5}, {"temperature", 1.5}, {"top_p", 1},
              {"max_tokens", 10}, {"ignore_eos", true}, {"best_of", 2}};
  json a = post("/v1/completions", req);
  ASSERT_EQ(a["choices"].size(), 2u);
  EXPECT_EQ(a["choices"][0]["index"], 0);
  EXPECT_EQ(a["choices"][1]["index"], 1);
  EXPECT_NE(a["choices"][0]["text"], a["choices"][1]["text"]);
  EXPECT_EQ(a["usage"]["completion_tokens"], 20);  // ignore_eos: 10 tokens each
  req["stream"] = true;
  std::map<int, std::string> text;
  std::map<int, std::string> finish;
  for (const auto& p : sse_payloads(post_stream("/v1/completions", req))) {
    if (p == "[DONE]") continue;
    const json chunk = json::parse(p);  // (a range-for over a temporary's member would dangle)
    for (const auto& ch : chunk["choices"]) {
      text[ch["index"].get<int>()] += ch["text"].get<std::string>();
      if (!ch["finish_reason"].is_null()) finish[ch["index"].get<int>()] = ch["finish_reason"];
    }
  }
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(text[i], a["choices"][i]["text"]) << i;
    EXPECT_EQ(finish[i], "length") << i;
  }
}

}  // namespace
}  // namespace dseek::server::test
