// llama.cpp server's extra endpoints against the built-in model: POST /tokenize and
// /detokenize (round trips, pieces, BOS, errors naming the field) and GET /props (the
// options the server was started with); and --served-model-name (what /v1/models lists and
// which name responses report).
#include <gtest/gtest.h>

#include "runtime/error.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

// Dates, digits, accents, CJK, an emoji and a rare character (split into byte tokens).
const std::string kText = "Hello, world! 780/137 = 5.69 \xE2\x80\x94 na\xC3\xAFve caf\xC3\xA9 \xE5\xAA\xBD \xF0\x9F\xA4\x97 \xEA\x99\xAE\xEA\x99\xAE";

json post(httplib::Client& c, const std::string& path, const json& body, int want_status = 200) {
  auto r = c.Post(path, body.dump(), "application/json");
  EXPECT_TRUE(r) << "no response from " << path;
  if (!r) return json();
  EXPECT_EQ(r->status, want_status) << r->body;
  return json::parse(r->body);
}

class LlamaEndpoints : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions o;
    o.ctx_size = 1536;
    o.parallel = 3;
    o.served_model_names = {"nano", "nano-alias"};
    server_ = new LiveServer(o);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static const Tokenizer& tok() { return server_->server().state().tok(); }
  static LiveServer* server_;
};
LiveServer* LlamaEndpoints::server_ = nullptr;

TEST_F(LlamaEndpoints, TokenizeDetokenizeRoundTrip) {
  auto c = server_->client();
  json t = post(c, "/tokenize", {{"content", kText}});
  ASSERT_TRUE(t["tokens"].is_array());
  std::vector<int32_t> ids = t["tokens"].get<std::vector<int32_t>>();
  EXPECT_EQ(ids, tok().encode(kText));  // the tokenizer's ids, no BOS
  EXPECT_GT(ids.size(), 15u);
  json d = post(c, "/detokenize", {{"tokens", t["tokens"]}});
  EXPECT_EQ(d["content"], kText);
  // An empty text is no tokens, and no tokens are "".
  EXPECT_EQ(post(c, "/tokenize", {{"content", ""}})["tokens"], json::array());
  EXPECT_EQ(post(c, "/detokenize", {{"tokens", json::array()}})["content"], "");
}

TEST_F(LlamaEndpoints, PiecesConcatenateToTheText) {
  auto c = server_->client();
  json t = post(c, "/tokenize", {{"content", kText}, {"with_pieces", true}});
  const std::vector<int32_t> want = tok().encode(kText);
  ASSERT_EQ(t["tokens"].size(), want.size());
  std::string joined;
  int byte_pieces = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const json& p = t["tokens"][i];
    EXPECT_EQ(p["id"], want[i]);
    if (p["piece"].is_string()) {
      joined += p["piece"].get<std::string>();
    } else {  // part of a character: its bytes
      ASSERT_TRUE(p["piece"].is_array()) << p.dump();
      ++byte_pieces;
      for (const auto& b : p["piece"]) {
        ASSERT_TRUE(b.is_number_integer() && b.get<int>() >= 0 && b.get<int>() < 256);
        joined += static_cast<char>(b.get<int>());
      }
    }
  }
  EXPECT_EQ(joined, kText);
  EXPECT_GT(byte_pieces, 0) << "the rare character should be split into byte tokens";
  EXPECT_EQ(t["tokens"][0]["piece"], "Hello");
}

TEST_F(LlamaEndpoints, AddSpecialPutsBosFirstOnce) {
  auto c = server_->client();
  const int32_t bos = server_->server().state().engine->lm().info().bos_token_id;
  const std::string bos_text = tok().id_to_token(bos);
  ASSERT_EQ(bos_text, "<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
  std::vector<int32_t> want = {bos};
  for (int32_t id : tok().encode("Hi there")) want.push_back(id);
  EXPECT_EQ(post(c, "/tokenize", {{"content", "Hi there"}, {"add_special", true}})["tokens"].get<std::vector<int32_t>>(), want);
  // A text that starts with BOS keeps its one BOS (as /v1/completions feeds it).
  EXPECT_EQ(post(c, "/tokenize", {{"content", bos_text + "Hi there"}, {"add_special", true}})["tokens"].get<std::vector<int32_t>>(), want);
  json p = post(c, "/tokenize", {{"content", "Hi"}, {"add_special", true}, {"with_pieces", true}});
  EXPECT_EQ(p["tokens"][0], json({{"id", bos}, {"piece", bos_text}}));
  // Special tokens come back as their text.
  EXPECT_EQ(post(c, "/detokenize", {{"tokens", want}})["content"], bos_text + "Hi there");
}

TEST_F(LlamaEndpoints, BadBodiesNameTheField) {
  auto c = server_->client();
  const std::string vocab = std::to_string(tok().vocab_size());
  struct Case {
    std::string path, body, param, code, says;
  };
  const std::vector<Case> cases = {
      {"/tokenize", "{}", "content", "missing_required_parameter", "'content' is required"},
      {"/tokenize", R"({"content": 5})", "content", "invalid_type", "'content' must be a string"},
      {"/tokenize", R"({"content": "x", "with_pieces": "yes"})", "with_pieces", "invalid_type", "'with_pieces' must be a boolean"},
      {"/tokenize", R"({"content": "x", "add_special": 1})", "add_special", "invalid_type", "'add_special' must be a boolean"},
      {"/tokenize", "not json", "", "invalid_json", "could not parse the JSON body"},
      {"/detokenize", "{}", "tokens", "missing_required_parameter", "'tokens' is required"},
      {"/detokenize", R"({"tokens": "1 2"})", "tokens", "invalid_type", "'tokens' must be an array"},
      {"/detokenize", R"({"tokens": [1, "2"]})", "tokens[1]", "invalid_type", "'tokens[1]' must be an integer"},
      {"/detokenize", R"({"tokens": [1, 2, 2.5]})", "tokens[2]", "invalid_type", "'tokens[2]' must be an integer"},
      {"/detokenize", R"({"tokens": [1, 2, 999999999]})", "tokens[2]", "invalid_value",
       "'tokens[2]': 999999999 is not a token id (vocab size " + vocab + ": ids 0.."},
      {"/detokenize", R"({"tokens": [-1]})", "tokens[0]", "invalid_value", "-1 is not a token id (vocab size " + vocab},
      {"/detokenize", R"({"tokens": [18446744073709551615]})", "tokens[0]", "invalid_value", "18446744073709551615 is not a token id"},
  };
  for (const auto& k : cases) {
    auto r = c.Post(k.path, k.body, "application/json");
    ASSERT_TRUE(r) << k.body;
    EXPECT_EQ(r->status, 400) << k.path << " " << k.body << " -> " << r->body;
    json e = json::parse(r->body)["error"];
    EXPECT_EQ(e["type"], "invalid_request_error") << k.body;
    EXPECT_EQ(e["param"], k.param.empty() ? json(nullptr) : json(k.param)) << k.body;
    EXPECT_EQ(e["code"], k.code) << k.body;
    EXPECT_NE(e["message"].get<std::string>().find(k.says), std::string::npos) << k.body << " -> " << e["message"];
  }
  // The server keeps serving.
  EXPECT_EQ(post(c, "/detokenize", {{"tokens", {1}}})["content"], tok().id_to_token(1));
}

TEST_F(LlamaEndpoints, PropsReportTheStartOptions) {
  auto c = server_->client();
  auto r = c.Get("/props");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json p = json::parse(r->body);
  EXPECT_EQ(p["default_generation_settings"]["n_ctx"], 1536);
  EXPECT_EQ(p["total_slots"], 3);
  EXPECT_EQ(p["model_alias"], "nano");
  EXPECT_EQ(p["model_aliases"], json::array({"nano", "nano-alias"}));
  EXPECT_EQ(p["model_path"], model_dir());
  EXPECT_EQ(p["model_type"], server_->server().state().engine->lm().info().model_type);
  EXPECT_EQ(p["chat_format"], "v3.2");
  EXPECT_EQ(p["vocab_size"], tok().vocab_size());
  EXPECT_EQ(p["bos_token"], tok().id_to_token(0));
  EXPECT_EQ(p["eos_token"], tok().id_to_token(1));
  EXPECT_EQ(p["build_info"].get<std::string>().rfind("dseek 0.", 0), 0u) << p["build_info"];
  const json& params = p["default_generation_settings"]["params"];
  EXPECT_EQ(params["temperature"], 1.0);
  EXPECT_EQ(params["top_p"], 0.95);
  EXPECT_EQ(params["top_k"], 0);
  EXPECT_EQ(params["min_p"], 0.0);
  EXPECT_EQ(params["seed"], -1);
  EXPECT_EQ(params["n_predict"], 4096);
  EXPECT_EQ(p["max_tokens_defaults"], json({{"chat", 4096}, {"thinking", 32768}, {"completions", 16}}));
  EXPECT_EQ(p["modalities"]["vision"], false);
}

TEST_F(LlamaEndpoints, ServedModelNames) {
  auto c = server_->client();
  json models = json::parse(c.Get("/v1/models")->body);
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][0]["id"], "nano");
  EXPECT_EQ(models["data"][1]["id"], "nano-alias");
  auto one = c.Get("/v1/models/nano-alias");
  EXPECT_EQ(one->status, 200);
  EXPECT_EQ(json::parse(one->body)["id"], "nano-alias");
  EXPECT_EQ(c.Get("/models/nano")->status, 200);
  // The checkpoint's directory name is replaced by the served names.
  auto gone = c.Get("/v1/models/nano-agent");
  EXPECT_EQ(gone->status, 404);
  json e = json::parse(gone->body)["error"];
  EXPECT_EQ(e["code"], "model_not_found");
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_NE(e["message"].get<std::string>().find("nano-agent"), std::string::npos);

  // Responses name the model the request used when it is served, else the first name.
  auto chat = [](const std::string& model) {
    return json{{"model", model}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}, {"max_tokens", 1}};
  };
  EXPECT_EQ(post(c, "/v1/chat/completions", chat("nano-alias"))["model"], "nano-alias");
  EXPECT_EQ(post(c, "/v1/chat/completions", chat("gpt-4o"))["model"], "nano");
  json streamed = chat("nano-alias");
  streamed["stream"] = true;
  auto r = c.Post("/v1/chat/completions", streamed.dump(), "application/json");
  ASSERT_TRUE(r);
  auto events = sse_payloads(r->body);
  ASSERT_GT(events.size(), 1u);
  EXPECT_EQ(json::parse(events[0])["model"], "nano-alias");
  EXPECT_EQ(post(c, "/v1/completions", {{"model", "nano-alias"}, {"prompt", "Hi"}, {"max_tokens", 1}})["model"], "nano-alias");
  EXPECT_EQ(post(c, "/v1/completions", {{"prompt", "Hi"}, {"max_tokens", 1}})["model"], "nano");
}

TEST(ServedModelNames, EmptyNameIsRefused) {
  ServerOptions o;
  o.model_dir = model_dir();
  o.served_model_names = {"a", " "};
  try {
    Server s(o);
    FAIL() << "an empty name was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--served-model-name"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dseek::server::test
