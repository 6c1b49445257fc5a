// Server limits (--request-timeout, --max-queued): OpenAI- and Anthropic-shaped errors, the
// metrics that count them, and a server that keeps serving afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "test_util.h"

namespace dseek::server::test {
namespace {

json endless_completion(bool stream) {
  return {{"prompt", "Once upon a time"}, {"max_tokens", 100000}, {"temperature", 0}, {"ignore_eos", true},
          {"stream", stream}};
}

std::string metrics_text(httplib::Client& c) {
  auto m = c.Get("/metrics");
  return m ? m->body : std::string();
}

TEST(ServerLimits, RequestTimeoutAnswers504AndEndsStreams) {
  ServerOptions o;
  o.request_timeout_s = 0.3;
  LiveServer srv(o);
  auto c = srv.client();
  auto r = c.Post("/v1/completions", endless_completion(false).dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504) << r->body;
  const json e = json::parse(r->body)["error"];
  EXPECT_EQ(e["code"], "timeout");
  EXPECT_EQ(e["type"], "server_error");
  EXPECT_NE(e["message"].get<std::string>().find("0.3 s (the server's --request-timeout)"), std::string::npos) << e;

  // Streamed: tokens first, then an error event, then the stream ends.
  auto s = c.Post("/v1/completions", endless_completion(true).dump(), "application/json");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, 200);
  const auto events = sse_payloads(s->body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_NE(events.front().find("\"text\""), std::string::npos);
  EXPECT_NE(s->body.find("--request-timeout"), std::string::npos) << s->body.substr(s->body.size() - 400);

  // Anthropic's shape: 504 timeout_error.
  const json msg = {{"model", "nano-agent"}, {"max_tokens", 100000}, {"temperature", 0},
                    {"messages", json::array({{{"role", "user"}, {"content", "Tell me a long story."}}})}};
  auto a = c.Post("/v1/messages", msg.dump(), "application/json");
  ASSERT_TRUE(a);
  if (a->status != 200) {  // the model may end its answer within 0.3 s; when it does not:
    EXPECT_EQ(a->status, 504) << a->body;
    EXPECT_EQ(json::parse(a->body)["error"]["type"], "timeout_error");
  }

  // Still serving; the timeouts were counted.
  auto ok = c.Post("/v1/completions", json({{"prompt", "Hi"}, {"max_tokens", 2}}).dump(), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  const std::string m = metrics_text(c);
  EXPECT_TRUE(m.find("dseek_requests_timed_out_total{model=\"nano-agent\"} 2\n") != std::string::npos ||
              m.find("dseek_requests_timed_out_total{model=\"nano-agent\"} 3\n") != std::string::npos)
      << m;
}

TEST(ServerLimits, MaxQueuedAnswers503WithRetryAfter) {
  ServerOptions o;
  o.parallel = 1;
  o.max_queued = 1;
  LiveServer srv(o);
  std::atomic<bool> leave{false};
  std::atomic<int> got_a{0}, got_b{0};
  // a holds the one slot, b waits for it; both streamed, until the test lets them go.
  auto streamer = [&](std::atomic<int>& got) {
    auto c = srv.client();
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/completions";
    req.body = endless_completion(true).dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) {
      ++got;
      return !leave.load();
    };
    c.send(req);
  };
  std::thread ta(streamer, std::ref(got_a));
  auto c = srv.client();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (got_a == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::thread tb(streamer, std::ref(got_b));
  auto queued = [&] {
    auto h = c.Get("/health");
    return h && json::parse(h->body)["queue_depth"] == 1;
  };
  while (!queued() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(queued());

  auto r = c.Post("/v1/completions", json({{"prompt", "Hi"}, {"max_tokens", 2}}).dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
  const json e = json::parse(r->body)["error"];
  EXPECT_EQ(e["code"], "server_overloaded");
  EXPECT_NE(e["message"].get<std::string>().find("--max-queued 1"), std::string::npos) << e;
  auto a = c.Post("/v1/messages",
                  json({{"model", "m"}, {"max_tokens", 2}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}}).dump(),
                  "application/json");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 503);
  EXPECT_EQ(json::parse(a->body)["error"]["type"], "overloaded_error");
  EXPECT_NE(metrics_text(c).find("dseek_requests_refused_busy_total{model=\"nano-agent\"} 2\n"), std::string::npos);

  leave = true;
  ta.join();
  tb.join();
  EXPECT_GT(got_b.load(), 0);  // b got the slot once a left
  auto ok = c.Post("/v1/completions", json({{"prompt", "Hi"}, {"max_tokens", 2}}).dump(), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

}  // namespace
}  // namespace dseek::server::test
