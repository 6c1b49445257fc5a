// CORS (--cors-origin): Access-Control-Allow-Origin exactly when configured (on JSON
// answers, errors, 401s and SSE streams), preflight OPTIONS answered on every API route
// without the API key, and no CORS headers at all without the option.
#include <gtest/gtest.h>

#include "runtime/error.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

const std::string kPage = "http://localhost:5173";

bool has_cors_header(const httplib::Response& r) {
  for (const auto& [name, value] : r.headers)
    if (name.rfind("Access-Control-", 0) == 0) return true;
  return false;
}

httplib::Headers from(const std::string& origin) { return {{"Origin", origin}}; }

httplib::Headers preflight_headers(const std::string& origin) {
  return {{"Origin", origin},
          {"Access-Control-Request-Method", "POST"},
          {"Access-Control-Request-Headers", "authorization, content-type, x-stainless-os, x-bad header"}};
}

json chat_body(bool stream) {
  return {{"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}, {"max_tokens", 2}, {"stream", stream}};
}

void expect_preflight(const httplib::Result& r, const std::string& allow_origin) {
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204) << r->body;
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), allow_origin);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Methods"), "GET, POST, OPTIONS");
  // Authorization and Content-Type always; the browser's own x- header echoed; the
  // malformed name dropped; nothing twice.
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Headers"), "Authorization, Content-Type, x-stainless-os");
  EXPECT_EQ(r->get_header_value("Access-Control-Max-Age"), "86400");
  EXPECT_TRUE(r->body.empty());
}

// One listed origin and an API key.
TEST(Cors, ListedOriginWithApiKey) {
  ServerOptions o;
  o.cors_origins = {kPage + "/", "https://chat.example.com"};  // a trailing "/" is dropped
  o.api_key = "sk-cors";
  LiveServer srv(o);
  auto c = srv.client();
  c.set_bearer_token_auth("sk-cors");

  auto ok = c.Get("/v1/models", from(kPage));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->get_header_value("Access-Control-Allow-Origin"), kPage);
  EXPECT_EQ(ok->get_header_value("Vary"), "Origin");
  EXPECT_EQ(c.Get("/props", from("https://chat.example.com"))->get_header_value("Access-Control-Allow-Origin"),
            "https://chat.example.com");
  // Another page's origin, or none (curl): not allowed to read, so no Allow-Origin.
  auto other = c.Get("/v1/models", from("http://evil.example"));
  EXPECT_EQ(other->status, 200);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(c.Get("/v1/models")->has_header("Access-Control-Allow-Origin"));

  // A preflight carries no key and is still answered, on every API route.
  auto anon = srv.client();
  for (const char* path : {"/v1/chat/completions", "/v1/completions", "/chat/completions", "/v1/models", "/tokenize",
                           "/detokenize", "/props", "/health", "/metrics"}) {
    SCOPED_TRACE(path);
    expect_preflight(anon.Options(path, preflight_headers(kPage)), kPage);
  }
  auto denied = anon.Options("/v1/chat/completions", preflight_headers("http://evil.example"));
  EXPECT_EQ(denied->status, 204);
  EXPECT_FALSE(denied->has_header("Access-Control-Allow-Origin"));

  // A 401 is readable by the page (so it can show the error).
  auto unauth = anon.Post("/v1/chat/completions", from(kPage), chat_body(false).dump(), "application/json");
  EXPECT_EQ(unauth->status, 401);
  EXPECT_EQ(unauth->get_header_value("Access-Control-Allow-Origin"), kPage);
  EXPECT_EQ(json::parse(unauth->body)["error"]["code"], "invalid_api_key");
}

// Any origin: every response, streams and errors included.
TEST(Cors, AnyOriginOnStreamsAndErrors) {
  ServerOptions o;
  o.cors_origins = {"*"};
  LiveServer srv(o);
  auto c = srv.client();
  auto stream = c.Post("/v1/chat/completions", from(kPage), chat_body(true).dump(), "application/json");
  ASSERT_TRUE(stream);
  EXPECT_EQ(stream->status, 200);
  EXPECT_EQ(stream->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_EQ(stream->get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_TRUE(assemble_chat_stream(stream->body).done);
  EXPECT_FALSE(stream->has_header("Vary"));  // the same answer for every origin

  auto whole = c.Post("/v1/chat/completions", chat_body(false).dump(), "application/json");  // no Origin (curl)
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->get_header_value("Access-Control-Allow-Origin"), "*");
  auto bad = c.Post("/tokenize", from(kPage), "{}", "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->get_header_value("Access-Control-Allow-Origin"), "*");
  auto missing = c.Get("/v1/nothing", from(kPage));
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->get_header_value("Access-Control-Allow-Origin"), "*");
  expect_preflight(c.Options("/v1/chat/completions", preflight_headers("null")), "*");
}

// Without --cors-origin: no Access-Control-* header anywhere, and no preflight answer.
TEST(Cors, NoneWithoutTheOption) {
  LiveServer srv;
  auto c = srv.client();
  auto models = c.Get("/v1/models", from(kPage));
  EXPECT_EQ(models->status, 200);
  EXPECT_FALSE(has_cors_header(*models));
  auto stream = c.Post("/v1/chat/completions", from(kPage), chat_body(true).dump(), "application/json");
  EXPECT_EQ(stream->status, 200);
  EXPECT_FALSE(has_cors_header(*stream));
  auto pre = c.Options("/v1/chat/completions", preflight_headers(kPage));
  ASSERT_TRUE(pre);
  EXPECT_NE(pre->status, 204);
  EXPECT_NE(pre->status, 200);
  EXPECT_FALSE(has_cors_header(*pre));
}

TEST(Cors, BadOriginIsRefusedBeforeTheModelLoads) {
  for (const char* bad : {"localhost:3000", "http://", "ftp://example.com", "http://example.com/app"}) {
    ServerOptions o;
    o.model_dir = "/nonexistent/model";  // the origin is checked first
    o.cors_origins = {bad};
    try {
      Server s(o);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("--cors-origin '") + bad), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace dseek::server::test
