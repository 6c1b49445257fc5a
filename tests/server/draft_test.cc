// serve --draft 2: a greedy chat completion is the one a server without drafts answers (message,
// finish reason, usage), and /metrics counts the drafted and accepted tokens.
#include <gtest/gtest.h>

#include "test_util.h"

namespace dseek::server::test {
namespace {

json chat(LiveServer& s, const json& req) {
  auto c = s.client();
  auto r = c.Post("/v1/chat/completions", req.dump(), "application/json");
  if (!r) return {{"error", "no response"}};
  json out = json::parse(r->body);
  out["status"] = r->status;
  return out;
}

// The value of the metric line `name{model="..."} value` of GET /metrics (-1: none).
double metric(LiveServer& s, const std::string& name) {
  auto c = s.client();
  auto r = c.Get("/metrics");
  if (!r) return -1;
  const size_t at = r->body.find("\n" + name + "{");
  if (at == std::string::npos) return -1;
  const size_t sp = r->body.find("} ", at);
  return std::stod(r->body.substr(sp + 2));
}

TEST(ServeDraft, GreedyChatEqualsNoDraft) {
  const json req = {{"model", "nano-agent"},
                    {"messages", json::array({{{"role", "system"}, {"content", "You are a helpful assistant."}},
                                              {{"role", "user"}, {"content", "What is 12 * 34?"}}})},
                    {"tools", nano_tools()},
                    {"temperature", 0},
                    {"max_tokens", 64}};
  json plain, spec;
  double drafted = 0, accepted = 0, plain_drafted = 0;
  {
    LiveServer s;
    plain = chat(s, req);
    plain_drafted = metric(s, "dseek_draft_tokens_total");
  }
  {
    ServerOptions o;
    o.draft = 2;
    LiveServer s(o);
    spec = chat(s, req);
    drafted = metric(s, "dseek_draft_tokens_total");
    accepted = metric(s, "dseek_draft_accepted_total");
  }
  ASSERT_EQ(plain["status"], 200) << plain.dump();
  ASSERT_EQ(spec["status"], 200) << spec.dump();
  auto msg = [](const json& r) {  // tool-call ids are per response
    json m = normalized_message(r["choices"][0]["message"]);
    for (auto& tc : m["tool_calls"]) tc["id"] = "";
    return m;
  };
  EXPECT_EQ(msg(spec), msg(plain));
  EXPECT_EQ(spec["choices"][0]["finish_reason"], plain["choices"][0]["finish_reason"]);
  EXPECT_EQ(spec["usage"], plain["usage"]);  // plain token counts, drafts not in them
  EXPECT_EQ(plain_drafted, 0);
  EXPECT_GT(drafted, 0);
  EXPECT_GT(accepted, 0);
  EXPECT_LE(accepted, drafted);
}

}  // namespace
}  // namespace dseek::server::test
