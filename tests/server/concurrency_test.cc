// Concurrency against `dseek serve` itself (the binary, on a free port): 16 clients at
// once with --parallel 4 get exactly the answers the same requests get alone (greedy),
// streamed or not; a client that disconnects mid-stream, or while queued, frees its slot at
// once; the server keeps answering and exits 0 on SIGTERM.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "test_util.h"

namespace dseek::server::test {
namespace {

using Clock = std::chrono::steady_clock;

httplib::Client client_for(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(600, 0);
  c.set_connection_timeout(10, 0);
  return c;
}

// 16 different requests: tool prompts and small talk, chat and thinking mode, half of
// them streamed.
std::vector<json> requests() {
  const std::vector<std::string> asks = {"Tell me the result of 780/137.", "What is 12 * 34?", "Hello", "Who are you?",
                                         "Run ls in the current directory.", "Read the file notes.txt.",
                                         "Write 'hi' to out.txt.", "How many lines does data.csv have?"};
  std::vector<json> out;
  for (size_t i = 0; i < 16; ++i) {
    json r = {{"model", "nano-agent"},
              {"messages", json::array({{{"role", "system"}, {"content", "You are a helpful assistant."}},
                                        {{"role", "user"}, {"content", asks[i % asks.size()]}}})},
              {"tools", nano_tools()},
              {"temperature", 0},
              {"max_tokens", 96}};
    if (i >= 8) r["thinking"] = {{"type", "enabled"}};
    if (i % 2) r["stream"] = true;
    out.push_back(r);
  }
  return out;
}

// The answer of one request, normalized (tool-call ids blanked: they are per response).
json answer(int port, const json& req) {
  auto c = client_for(port);
  auto t0 = Clock::now();
  auto r = c.Post("/v1/chat/completions", req.dump(), "application/json");
  if (!r)
    return {{"error", "no response: " + httplib::to_string(r.error()) + " after " +
                          std::to_string(std::chrono::duration<double>(Clock::now() - t0).count()) + " s"}};
  if (r->status != 200) return {{"error", r->status}, {"body", r->body}};
  json msg, finish, usage;
  if (req.value("stream", false)) {
    StreamResult s = assemble_chat_stream(r->body);
    if (!s.done) return {{"error", "stream without [DONE]"}};
    msg = s.message;
    finish = s.finish_reason;
  } else {
    json j = json::parse(r->body);
    msg = normalized_message(j["choices"][0]["message"]);
    finish = j["choices"][0]["finish_reason"];
    usage = j["usage"]["completion_tokens"];
  }
  for (auto& tc : msg["tool_calls"]) tc["id"] = "";
  return {{"message", msg}, {"finish_reason", finish}};
}

// GET /health over one kept-alive connection per thread (polling must not open
// thousands of connections).
thread_local std::unique_ptr<httplib::Client> health_client;

// Closes this thread's /health connection (a server shutdown waits for idle connections).
void close_health_client() { health_client.reset(); }

json health(int port) {
  auto& c = health_client;
  thread_local int for_port = 0;
  if (!c || for_port != port) {
    c = std::make_unique<httplib::Client>("127.0.0.1", port);
    c->set_keep_alive(true);
    for_port = port;
  }
  auto r = c->Get("/health");
  return r && r->status == 200 ? json::parse(r->body) : json();
}

// Polls /health until pred holds (true) or `seconds` pass (false).
bool health_becomes(int port, const std::function<bool(const json&)>& pred, double seconds) {
  auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    json h = health(port);
    if (h.is_object() && pred(h)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(Concurrency, SixteenClientsParallelFourEqualAlone) {
  ServeProcess srv({"--parallel", "4"});
  const auto reqs = requests();
  std::vector<json> alone;
  for (const auto& r : reqs) alone.push_back(answer(srv.port(), r));
  int tool_calls = 0, stops = 0;
  for (const auto& a : alone) {
    ASSERT_FALSE(a.contains("error")) << a.dump();
    tool_calls += a["finish_reason"] == "tool_calls";
    stops += a["finish_reason"] == "stop";
  }
  EXPECT_GE(tool_calls, 4);  // a mix: tool calls and plain answers
  EXPECT_GE(stops, 2);

  std::atomic<bool> go{false}, running{true};
  std::vector<std::future<json>> futs;
  for (const auto& r : reqs)
    futs.push_back(std::async(std::launch::async, [&, r] {
      while (!go) std::this_thread::yield();
      return answer(srv.port(), r);
    }));
  int max_active = 0, max_queue = 0;
  auto watcher = std::async(std::launch::async, [&] {
    while (running) {
      json h = health(srv.port());
      if (h.is_object()) {
        max_active = std::max(max_active, h["requests_active"].get<int>());
        max_queue = std::max(max_queue, h["queue_depth"].get<int>());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  go = true;
  for (size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(futs[i].get(), alone[i]) << "request " << i << ": " << reqs[i].dump();
  running = false;
  watcher.get();
  EXPECT_LE(max_active, 4);
  EXPECT_GE(max_active, 2);  // decoded together
  EXPECT_GT(max_queue, 0);   // more requests than slots wait their turn

  EXPECT_TRUE(health_becomes(srv.port(), [](const json& h) { return h["requests_active"] == 0 && h["queue_depth"] == 0; }, 5));
  close_health_client();
  EXPECT_EQ(srv.stop(SIGTERM), 0);
}

// Streams `body`; disconnects as soon as keep_going(chunks received so far: events or
// keep-alive comments) says false.
void stream_until(int port, const json& body, const std::function<bool(int)>& keep_going) {
  auto c = client_for(port);
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.body = body.dump();
  req.set_header("Content-Type", "application/json");
  int seen = 0;
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    (void)data;
    (void)len;
    return keep_going(++seen);
  };
  c.send(req);
}

TEST(Concurrency, DisconnectFreesTheSlot) {
  ServeProcess srv({"--parallel", "1"});
  const int port = srv.port();
  // Endless generations (ignore_eos, huge max_tokens): only a disconnect ends them.
  const json endless = {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})},
                        {"stream", true}, {"ignore_eos", true}, {"max_tokens", 1000000}};
  const json small = {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})}, {"max_tokens", 4}, {"temperature", 0}};

  // A client aborts mid-stream after a few deltas: the only slot frees at once and the
  // next request is answered.
  auto t0 = Clock::now();
  stream_until(port, endless, [](int seen) { return seen < 6; });
  auto c = client_for(port);
  auto r = c.Post("/v1/chat/completions", small.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 20.0);
  EXPECT_TRUE(health_becomes(port, [](const json& h) { return h["requests_active"] == 0; }, 5));

  // The same while nothing visible is produced: the calculator prompt makes the model
  // write a tool-call block, which is held back (and with ignore_eos, it never ends).
  json held = calculator_request();
  held["stream"] = true;
  held["ignore_eos"] = true;
  held["max_tokens"] = 1000000;
  stream_until(port, held, [&](int seen) { return seen < 8; });  // the role chunk, then keep-alives
  EXPECT_TRUE(health_becomes(port, [](const json& h) { return h["requests_active"] == 0; }, 5));
  r = c.Post("/v1/chat/completions", small.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  // A holds the slot; B waits in the queue, and its client gives up after the first
  // event: B leaves the queue while A keeps streaming. Then A's client goes too.
  std::atomic<bool> stop_a{false};
  std::atomic<int> a_seen{0};
  auto a = std::async(std::launch::async, [&] {
    stream_until(port, endless, [&](int seen) {
      a_seen = seen;
      return !stop_a;
    });
  });
  ASSERT_TRUE(health_becomes(port, [&](const json& h) { return h["requests_active"] == 1 && a_seen > 3; }, 30));
  auto b = std::async(std::launch::async, [&] { stream_until(port, endless, [](int seen) { return seen < 1; }); });
  b.get();
  EXPECT_TRUE(health_becomes(port, [](const json& h) { return h["queue_depth"] == 0 && h["requests_active"] == 1; }, 5));
  const int before = a_seen;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GT(a_seen, before);  // A is still being served
  stop_a = true;
  a.get();
  EXPECT_TRUE(health_becomes(port, [](const json& h) { return h["requests_active"] == 0 && h["queue_depth"] == 0; }, 5));

  // Still serving.
  r = c.Post("/v1/chat/completions", small.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["usage"]["completion_tokens"], 4);
  close_health_client();
  EXPECT_EQ(srv.stop(SIGTERM), 0);
}

// SIGTERM while streams are running: they end, the process exits 0.
TEST(Concurrency, SigtermWithStreamsInFlight) {
  ServeProcess srv({"--parallel", "2"});
  const json endless = {{"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})},
                        {"stream", true}, {"ignore_eos", true}, {"max_tokens", 1000000}};
  std::atomic<int> seen{0};
  std::string tail;
  auto a = std::async(std::launch::async, [&] {
    auto c = client_for(srv.port());
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.body = endless.dump();
    req.set_header("Content-Type", "application/json");
    req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
      seen += 1;
      tail = std::string(data, len);
      return true;
    };
    c.send(req);
  });
  while (seen < 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto t0 = Clock::now();
  EXPECT_EQ(srv.stop(SIGTERM), 0);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 10.0);
  a.get();
  EXPECT_NE(tail.find("shutting down"), std::string::npos) << tail;  // the stream ended with an error event
  EXPECT_NE(srv.stderr_text().find("shutting down"), std::string::npos);
}

}  // namespace
}  // namespace dseek::server::test
