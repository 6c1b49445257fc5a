// The Anthropic Messages API (/v1/messages): requests render the same prompt as the
// equivalent OpenAI chat request, answers match /v1/chat/completions on the built-in model
// (text, tool_use round trip, thinking), a stream's events applied in order give exactly the
// non-streamed message, stop_sequences / max_tokens map to stop_reason, bad requests get
// Anthropic error objects, and the key is accepted as x-api-key.
#include <gtest/gtest.h>

#include "server/anthropic_blocks.h"
#include "server/anthropic_request.h"
#include "server/errors.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

// The nano model's tools in Anthropic's shape.
json anthropic_tools() {
  json out = json::array();
  for (const auto& t : nano_tools())
    out.push_back({{"name", t["function"]["name"]}, {"description", t["function"]["description"]},
                   {"input_schema", t["function"]["parameters"]}});
  return out;
}

json calculator_messages_request() {
  return {{"model", "nano-agent"},
          {"max_tokens", 256},
          {"system", json::array({{{"type", "text"}, {"text", "You are a helpful assistant."}, {"cache_control", {{"type", "ephemeral"}}}}})},
          {"messages", json::array({{{"role", "user"}, {"content", "Tell me the result of 780/137."}}})},
          {"tools", anthropic_tools()},
          {"temperature", 0}};
}

// An OpenAI request as clients send it: each function as name, description, parameters (the
// order the translation of Anthropic tools gives; nano_tools() is a sorted json, and the tool
// list is rendered into the prompt as sent).
Json in_client_order(const json& request) {
  Json out = request;
  for (auto& t : out["tools"]) {
    const Json f = t["function"];
    t["function"] = Json{{"name", f["name"]}, {"description", f["description"]}, {"parameters", f["parameters"]}};
  }
  return out;
}

// ---- translation (no server) ----

TEST(AnthropicRequest, RendersTheSamePromptAsTheOpenAiRequest) {
  json a = calculator_messages_request();
  a["thinking"] = {{"type", "enabled"}, {"budget_tokens", 2048}};
  a["messages"].push_back({{"role", "assistant"},
                           {"content", json::array({{{"type", "thinking"}, {"thinking", "I should compute."}, {"signature", "x"}},
                                                    {{"type", "text"}, {"text", "Let me compute."}},
                                                    {{"type", "tool_use"}, {"id", "toolu_1"}, {"name", "calculator"},
                                                     {"input", {{"expression", "780/137"}}}}})}});
  a["messages"].push_back({{"role", "user"},
                           {"content", json::array({{{"type", "tool_result"}, {"tool_use_id", "toolu_1"},
                                                     {"content", json::array({{{"type", "text"}, {"text", "5.6934"}}})}},
                                                    {{"type", "text"}, {"text", "Round it."}}})}});
  json o = calculator_request();
  o["max_tokens"] = 256;
  o["thinking"] = {{"type", "enabled"}};
  o["messages"].push_back({{"role", "assistant"}, {"content", "Let me compute."}, {"reasoning_content", "I should compute."},
                           {"tool_calls", json::array({{{"id", "toolu_1"}, {"type", "function"},
                                                        {"function", {{"name", "calculator"}, {"arguments", "{\"expression\":\"780/137\"}"}}}}})}});
  o["messages"].push_back({{"role", "tool"}, {"tool_call_id", "toolu_1"}, {"content", "5.6934"}});
  o["messages"].push_back({{"role", "user"}, {"content", "Round it."}});
  Json openai = in_client_order(o);
  AnthropicPlan p = parse_anthropic_request(a);
  ChatPlan want = parse_chat_request(openai);
  EXPECT_TRUE(p.chat.thinking);
  EXPECT_EQ(p.chat.prompt, want.prompt);
  EXPECT_NE(p.chat.prompt.find("5.6934"), std::string::npos);
  EXPECT_NE(p.chat.prompt.find("Round it."), std::string::npos);
  EXPECT_EQ(p.chat.gen.opt.max_tokens, 256);
  EXPECT_EQ(p.chat.gen.opt.sampling.temperature, 0.0f);
}

TEST(AnthropicRequest, ErrorResultsAndToolChoice) {
  json a = calculator_messages_request();
  a["messages"].push_back({{"role", "assistant"},
                           {"content", json::array({{{"type", "tool_use"}, {"id", "t1"}, {"name", "calculator"}, {"input", {{"expression", "1/0"}}}}})}});
  a["messages"].push_back({{"role", "user"},
                           {"content", json::array({{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", "division by zero"}, {"is_error", true}}})}});
  json o = anthropic_to_openai(a);
  ASSERT_EQ(o["messages"].size(), 4u);  // system, user, assistant, tool (no empty user turn)
  EXPECT_EQ(o["messages"][3], json({{"role", "tool"}, {"tool_call_id", "t1"}, {"content", "Error: division by zero"}}));
  EXPECT_NE(parse_anthropic_request(a).chat.prompt.find("Error: division by zero"), std::string::npos);

  a["tool_choice"] = {{"type", "any"}};
  EXPECT_EQ(anthropic_to_openai(a)["tool_choice"], "required");
  EXPECT_FALSE(parse_anthropic_request(a).chat.forced_prefix.empty());
  a["tool_choice"] = {{"type", "tool"}, {"name", "write_file"}, {"disable_parallel_tool_use", true}};
  EXPECT_EQ(json::parse(anthropic_to_openai(a)["tool_choice"].dump()),
            json({{"type", "function"}, {"function", {{"name", "write_file"}}}}));
  EXPECT_NE(parse_anthropic_request(a).chat.forced_prefix.find("write_file"), std::string::npos);
  a["tool_choice"] = {{"type", "none"}};  // no tool section (the history's call stays)
  EXPECT_EQ(parse_anthropic_request(a).chat.prompt.find("## Tools"), std::string::npos);
  a["stop_sequences"] = json::array({"\n\n", "END"});
  EXPECT_EQ(parse_anthropic_request(a).chat.gen.stop, (std::vector<std::string>{"\n\n", "END"}));
}

struct Bad {
  const char* name;
  json body;
  std::string param, message;
};

TEST(AnthropicRequest, BadRequestsNameTheField) {
  auto with = [](json extra) {
    json b = {{"model", "m"}, {"max_tokens", 8}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}};
    for (auto& [k, v] : extra.items()) b[k] = v;
    return b;
  };
  auto msgs = [&](json m) { return with({{"messages", m}}); };
  const json call = {{"role", "assistant"}, {"content", json::array({{{"type", "tool_use"}, {"id", "t1"}, {"name", "f"}, {"input", json::object()}}})}};
  const std::vector<Bad> cases = {
      {"missing_max_tokens", {{"model", "m"}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}}, "max_tokens", "field required"},
      {"missing_model", {{"max_tokens", 8}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}}, "model", "field required"},
      {"max_tokens_zero", with({{"max_tokens", 0}}), "max_tokens", "at least 1"},
      {"unknown_field", with({{"n", 2}}), "n", "unknown or unsupported field"},
      {"openai_stop", with({{"stop", "x"}}), "stop", "unknown or unsupported field"},
      {"temperature_range", with({{"temperature", 1.5}}), "temperature", "1.5"},
      {"stop_sequences_type", with({{"stop_sequences", "x"}}), "stop_sequences", "array of strings"},
      {"metadata_extra", with({{"metadata", {{"user_id", "u"}, {"tier", 1}}}}), "metadata.tier", "unknown or unsupported field"},
      {"empty_messages", msgs(json::array()), "messages", "at least one message"},
      {"system_role", msgs(json::array({{{"role", "system"}, {"content", "x"}}})), "messages[0].role", "\"user\" or \"assistant\""},
      {"image_block", msgs(json::array({{{"role", "user"}, {"content", json::array({{{"type", "image"}, {"source", json::object()}}})}}})),
       "messages[0].content[0].type", "block type \"image\" is not supported"},
      {"redacted_thinking", msgs(json::array({{{"role", "user"}, {"content", "a"}}, {{"role", "assistant"}, {"content", json::array({{{"type", "redacted_thinking"}, {"data", "x"}}})}}, {{"role", "user"}, {"content", "b"}}})),
       "messages[1].content[0].type", "\"redacted_thinking\" is not supported"},
      {"prefill", msgs(json::array({{{"role", "user"}, {"content", "a"}}, {{"role", "assistant"}, {"content", "b"}}})), "messages[1].role", "last message must be a user message"},
      {"result_without_call", msgs(json::array({{{"role", "user"}, {"content", json::array({{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", "2"}}})}}})),
       "messages[0].content[0].tool_use_id", "does not match a tool_use block"},
      {"result_wrong_id", msgs(json::array({{{"role", "user"}, {"content", "a"}}, call, {{"role", "user"}, {"content", json::array({{{"type", "tool_result"}, {"tool_use_id", "t2"}}})}}})),
       "messages[2].content[0].tool_use_id", "\"t2\" does not match"},
      {"tool_input_not_object", msgs(json::array({{{"role", "user"}, {"content", "a"}}, {{"role", "assistant"}, {"content", json::array({{{"type", "tool_use"}, {"id", "t"}, {"name", "f"}, {"input", "x"}}})}}, {{"role", "user"}, {"content", "b"}}})),
       "messages[1].content[0].input", "must be an object"},
      {"tool_without_schema", with({{"tools", json::array({{{"name", "f"}}})}}), "tools[0].input_schema", "field required"},
      {"server_tool", with({{"tools", json::array({{{"type", "web_search_20250305"}, {"name", "web_search"}}})}}), "tools[0].type", "not supported"},
      {"tool_choice_unknown", with({{"tools", anthropic_tools()}, {"tool_choice", {{"type", "tool"}, {"name", "fly"}}}}), "tool_choice.name", "not in tools"},
      {"tool_choice_any_without_tools", with({{"tool_choice", {{"type", "any"}}}}), "tool_choice", "needs tools"},
      {"tool_choice_type", with({{"tool_choice", {{"type", "required"}}}}), "tool_choice.type", "\"auto\", \"any\", \"tool\" or \"none\""},
      {"thinking_budget_small", with({{"thinking", {{"type", "enabled"}, {"budget_tokens", 100}}}}), "thinking.budget_tokens", "at least 1024"},
      {"thinking_budget_missing", with({{"thinking", {{"type", "enabled"}}}}), "thinking.budget_tokens", "field required"},
      {"thinking_type", with({{"thinking", {{"type", "on"}}}}), "thinking.type", "\"enabled\", \"adaptive\" or \"disabled\""},
  };
  for (const auto& c : cases) {
    try {
      parse_anthropic_request(c.body);
      ADD_FAILURE() << c.name << ": accepted";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), 400) << c.name;
      EXPECT_EQ(e.param(), c.param) << c.name << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << c.name << ": " << e.what();
    }
  }
}

// ---- content blocks (no server) ----

chat::Delta delta(chat::Delta::Kind k, std::string text, int index = -1, std::string id = {}, std::string name = {}) {
  chat::Delta d;
  d.kind = k;
  d.text = std::move(text);
  d.index = index;
  d.id = std::move(id);
  d.name = std::move(name);
  return d;
}

TEST(AnthropicBlocks, EventsBuildTheBlocks) {
  using K = chat::Delta::Kind;
  ContentBlocks b;
  std::vector<json> ev = b.feed({delta(K::Reasoning, "Think"), delta(K::Reasoning, "ing."), delta(K::Content, ""),
                                 delta(K::Content, "Sure."), delta(K::ToolCallStart, "", 0, "toolu_x_0", "calculator"),
                                 delta(K::ToolCallArgs, "{\"expression\": \"1+1\"}", 0)});
  auto rest = b.finish();
  ev.insert(ev.end(), rest.begin(), rest.end());
  const json want = json::array({{{"type", "thinking"}, {"thinking", "Thinking."}, {"signature", thinking_signature("Thinking.")}},
                                 {{"type", "text"}, {"text", "Sure."}},
                                 {{"type", "tool_use"}, {"id", "toolu_x_0"}, {"name", "calculator"}, {"input", {{"expression", "1+1"}}}}});
  EXPECT_EQ(b.blocks(), want);
  EXPECT_TRUE(b.has_tool_use());
  std::vector<std::string> types;
  for (const auto& e : ev) types.push_back(e["type"].get<std::string>() + (e.contains("delta") ? ":" + e["delta"]["type"].get<std::string>() : ""));
  EXPECT_EQ(types, (std::vector<std::string>{"content_block_start", "content_block_delta:thinking_delta", "content_block_delta:thinking_delta",
                                             "content_block_delta:signature_delta", "content_block_stop", "content_block_start",
                                             "content_block_delta:text_delta", "content_block_stop", "content_block_start",
                                             "content_block_delta:input_json_delta", "content_block_stop"}));
  EXPECT_EQ(ev[8]["content_block"], json({{"type", "tool_use"}, {"id", "toolu_x_0"}, {"name", "calculator"}, {"input", json::object()}}));
  EXPECT_EQ(ev[9]["index"], 2);
  EXPECT_NE(thinking_signature("a"), thinking_signature("b"));

  // disable_parallel_tool_use: the second call and its arguments are dropped.
  ContentBlocks one(1);
  one.feed({delta(K::ToolCallStart, "", 0, "a", "f"), delta(K::ToolCallArgs, "{}", 0), delta(K::ToolCallStart, "", 1, "b", "g"),
            delta(K::ToolCallArgs, "{\"x\": 1}", 1)});
  one.finish();
  EXPECT_EQ(one.blocks(), json::array({{{"type", "tool_use"}, {"id", "a"}, {"name", "f"}, {"input", json::object()}}}));

  ContentBlocks empty;
  EXPECT_EQ(empty.feed({delta(K::Content, "")}).size(), 0u);
  EXPECT_EQ(empty.finish().size(), 2u);  // start + stop of one empty text block
  EXPECT_EQ(empty.blocks(), json::array({{{"type", "text"}, {"text", ""}}}));
}

// ---- end to end ----

struct Sse {
  json message;  // the message as a client assembles it
  std::vector<std::string> events;
  int input_json_deltas = 0;
};

// Applies an Anthropic stream the way the SDK does, checking the framing: every event has
// an `event:` line equal to its data's type; message_start first, message_stop last; block
// deltas go to the open block only.
Sse assemble_messages_stream(const std::string& body) {
  Sse r;
  size_t pos = 0;
  int open = -1;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::istringstream lines(body.substr(pos, end - pos));
    pos = end + 2;
    std::string line, name, data;
    while (std::getline(lines, line)) {
      if (line.rfind("event: ", 0) == 0) name = line.substr(7);
      if (line.rfind("data: ", 0) == 0) data += line.substr(6);
    }
    if (data.empty()) continue;  // a keep-alive comment
    json e = json::parse(data);
    const std::string type = e["type"];
    if (name != type) throw std::runtime_error("event line '" + name + "' for a " + type + " event");
    if (r.events.empty() != (type == "message_start")) throw std::runtime_error("message_start is not first");
    if (!r.events.empty() && r.events.back() == "message_stop") throw std::runtime_error("an event after message_stop");
    r.events.push_back(type);
    if (type == "message_start") {
      r.message = e["message"];
    } else if (type == "content_block_start") {
      if (open >= 0 || e["index"] != r.message["content"].size()) throw std::runtime_error("bad block start: " + data);
      open = e["index"];
      r.message["content"].push_back(e["content_block"]);
    } else if (type == "content_block_delta") {
      if (e["index"] != open) throw std::runtime_error("delta to a block that is not open: " + data);
      json& b = r.message["content"][static_cast<size_t>(open)];
      const json& d = e["delta"];
      if (d["type"] == "text_delta") b["text"] = b["text"].get<std::string>() + d["text"].get<std::string>();
      else if (d["type"] == "thinking_delta") b["thinking"] = b["thinking"].get<std::string>() + d["thinking"].get<std::string>();
      else if (d["type"] == "signature_delta") b["signature"] = d["signature"];
      else if (d["type"] == "input_json_delta") {
        b["json"] = b.value("json", std::string()) + d["partial_json"].get<std::string>();
        ++r.input_json_deltas;
      }
      else throw std::runtime_error("unknown delta: " + data);
    } else if (type == "content_block_stop") {
      if (e["index"] != open) throw std::runtime_error("stop of a block that is not open");
      json& b = r.message["content"][static_cast<size_t>(open)];
      if (b["type"] == "tool_use") {
        b["input"] = json::parse(b.value("json", std::string("{}")));
        b.erase("json");
      }
      open = -1;
    } else if (type == "message_delta") {
      r.message["stop_reason"] = e["delta"]["stop_reason"];
      r.message["stop_sequence"] = e["delta"]["stop_sequence"];
      for (auto& [k, v] : e["usage"].items()) r.message["usage"][k] = v;
    } else if (type == "error") {
      r.message["error"] = e["error"];
    } else if (type != "ping" && type != "message_stop") {
      throw std::runtime_error("unknown event " + type);
    }
  }
  return r;
}

class Messages : public SharedServerTest {
 protected:
  static json post(const std::string& path, const json& body, int want = 200) { return post_text(path, body.dump(), want); }
  static json post_ordered(const std::string& path, const Json& body) { return post_text(path, body.dump(), 200); }
  static json post_text(const std::string& path, const std::string& body, int want) {
    auto c = server_->client();
    auto r = c.Post(path, body, "application/json");
    EXPECT_TRUE(r);
    if (!r) return json();
    EXPECT_EQ(r->status, want) << r->body;
    return json::parse(r->body);
  }
  static Sse stream(json body) {
    body["stream"] = true;
    auto c = server_->client();
    auto r = c.Post("/v1/messages", body.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/event-stream");
    return assemble_messages_stream(r->body);
  }
  // The streamed message equals the whole one, ids aside.
  static void expect_same(Sse s, const json& whole) {
    ASSERT_FALSE(s.events.empty());
    EXPECT_EQ(s.events[1], "ping");
    EXPECT_EQ(s.events.back(), "message_stop");
    EXPECT_EQ(s.events[s.events.size() - 2], "message_delta");
    EXPECT_EQ(s.message["id"].get<std::string>().rfind("msg_", 0), 0u);
    s.message["id"] = whole["id"];
    for (size_t i = 0; i < s.message["content"].size() && i < whole["content"].size(); ++i)
      if (s.message["content"][i]["type"] == "tool_use") s.message["content"][i]["id"] = whole["content"][i]["id"];
    // How the prompt splits into cached and new tokens depends on what ran before; the sum does not.
    auto prompt_tokens = [](const json& m) {
      return m["usage"]["input_tokens"].get<int>() + m["usage"]["cache_read_input_tokens"].get<int>();
    };
    EXPECT_EQ(prompt_tokens(s.message), prompt_tokens(whole));
    for (const char* k : {"input_tokens", "cache_read_input_tokens"}) s.message["usage"][k] = whole["usage"][k];
    EXPECT_EQ(s.message, whole);
  }
};

TEST_F(Messages, TextMatchesChatCompletionsAndStreams) {
  const json req = {{"model", "nano-agent"}, {"max_tokens", 64}, {"temperature", 0},
                    {"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})}};
  json m = post("/v1/messages", req);
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["role"], "assistant");
  EXPECT_EQ(m["model"], "nano-agent");
  EXPECT_EQ(m["id"].get<std::string>().rfind("msg_", 0), 0u);
  ASSERT_EQ(m["content"].size(), 1u);
  EXPECT_EQ(m["content"][0]["type"], "text");
  EXPECT_TRUE(m["stop_sequence"].is_null());
  json o = post("/v1/chat/completions", {{"model", "nano-agent"}, {"max_tokens", 64}, {"temperature", 0},
                                         {"messages", json::array({{{"role", "user"}, {"content", "Hello"}}})}});
  const std::string text = m["content"][0]["text"];
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text, o["choices"][0]["message"]["content"]);
  EXPECT_EQ(m["stop_reason"], o["choices"][0]["finish_reason"] == "stop" ? "end_turn" : "max_tokens");
  EXPECT_EQ(m["usage"]["input_tokens"].get<int>() + m["usage"]["cache_read_input_tokens"].get<int>(),
            o["usage"]["prompt_tokens"].get<int>());
  EXPECT_EQ(m["usage"]["output_tokens"], o["usage"]["completion_tokens"]);
  expect_same(stream(req), m);
  EXPECT_EQ(post("/v1/messages/count_tokens", {{"model", "nano-agent"}, {"messages", req["messages"]}}),
            json({{"input_tokens", o["usage"]["prompt_tokens"]}}));

  // A stop sequence from the middle of that answer ends it there.
  ASSERT_GT(text.size(), 6u);
  const std::string stop = text.substr(text.size() / 2, 3);
  json s = req;
  s["stop_sequences"] = json::array({"\x01never", stop});
  json ms = post("/v1/messages", s);
  EXPECT_EQ(ms["stop_reason"], "stop_sequence");
  EXPECT_EQ(ms["stop_sequence"], stop);
  EXPECT_EQ(ms["content"][0]["text"], text.substr(0, text.find(stop)));
  expect_same(stream(s), ms);

  json l = req;
  l["max_tokens"] = 2;
  json ml = post("/v1/messages", l);
  EXPECT_EQ(ml["stop_reason"], "max_tokens");
  EXPECT_EQ(ml["usage"]["output_tokens"], 2);
}

TEST_F(Messages, ThinkingToolUseRoundTrip) {
  json req = calculator_messages_request();
  req["thinking"] = {{"type", "enabled"}, {"budget_tokens", 1024}};
  json first = post("/v1/messages", req);
  EXPECT_EQ(first["stop_reason"], "tool_use");
  const json& content = first["content"];
  ASSERT_GE(content.size(), 2u) << first.dump();
  EXPECT_EQ(content[0]["type"], "thinking");
  EXPECT_FALSE(content[0]["thinking"].get<std::string>().empty());
  EXPECT_EQ(content[0]["signature"], thinking_signature(content[0]["thinking"]));
  const json& call = content.back();
  EXPECT_EQ(call["type"], "tool_use");
  EXPECT_EQ(call["name"], "calculator");
  EXPECT_EQ(call["id"].get<std::string>().rfind("toolu_", 0), 0u);
  EXPECT_TRUE(call["input"]["expression"].is_string());
  Sse s1 = stream(req);
  EXPECT_GT(s1.input_json_deltas, 2);  // the input streams in pieces as it is written
  expect_same(s1, first);

  // The OpenAI route gives the same turn for the same conversation.
  Json oreq = in_client_order(calculator_request());
  oreq["max_tokens"] = 256;
  oreq["thinking"] = {{"type", "enabled"}};
  json o1 = post_ordered("/v1/chat/completions", oreq);
  const json& om = o1["choices"][0]["message"];
  EXPECT_EQ(om["reasoning_content"], content[0]["thinking"]);
  ASSERT_EQ(om["tool_calls"].size(), 1u);
  EXPECT_EQ(json::parse(om["tool_calls"][0]["function"]["arguments"].get<std::string>()), call["input"]);

  // The turn goes back as returned, with the result; the answer is the OpenAI route's.
  req["messages"].push_back({{"role", "assistant"}, {"content", content}});
  req["messages"].push_back({{"role", "user"},
                             {"content", json::array({{{"type", "tool_result"}, {"tool_use_id", call["id"]}, {"content", "5.693430656934306"}}})}});
  json second = post("/v1/messages", req);
  EXPECT_EQ(second["stop_reason"], "end_turn");
  ASSERT_EQ(second["content"].size(), 2u) << second.dump();
  EXPECT_EQ(second["content"][1]["type"], "text");
  EXPECT_EQ(second["content"][1]["text"].get<std::string>().find("DSML"), std::string::npos);
  oreq["messages"].push_back(Json(om));
  oreq["messages"].push_back({{"role", "tool"}, {"tool_call_id", om["tool_calls"][0]["id"]}, {"content", "5.693430656934306"}});
  json o2 = post_ordered("/v1/chat/completions", oreq);
  EXPECT_EQ(second["content"][1]["text"], o2["choices"][0]["message"]["content"]);
  EXPECT_EQ(second["content"][0]["thinking"], o2["choices"][0]["message"]["reasoning_content"]);
  EXPECT_EQ(second["usage"]["input_tokens"].get<int>() + second["usage"]["cache_read_input_tokens"].get<int>(),
            o2["usage"]["prompt_tokens"].get<int>());
  expect_same(stream(req), second);
}

TEST_F(Messages, ErrorsHaveTheAnthropicShape) {
  auto check = [](const std::string& path, const std::string& body, int status, const std::string& type, const std::string& msg) {
    auto c = server_->client();
    auto r = c.Post(path, body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << body;
    json j = json::parse(r->body);
    EXPECT_EQ(j["type"], "error") << r->body;
    EXPECT_EQ(j["error"]["type"], type) << r->body;
    EXPECT_NE(j["error"]["message"].get<std::string>().find(msg), std::string::npos) << r->body;
  };
  check("/v1/messages", "{\"model\": ", 400, "invalid_request_error", "could not parse the JSON body");
  check("/v1/messages", json({{"model", "m"}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}}).dump(), 400,
        "invalid_request_error", "max_tokens: field required");
  check("/v1/messages", json({{"model", "m"}, {"max_tokens", 4}, {"logprobs", true}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}}).dump(),
        400, "invalid_request_error", "logprobs: unknown or unsupported field");
  check("/messages", json({{"model", "m"}, {"max_tokens", 4}, {"stream", true}, {"messages", "Hi"}}).dump(), 400,
        "invalid_request_error", "messages must be an array");
  check("/v1/messages/batches", "{}", 404, "not_found_error", "Invalid URL");
  // The server keeps serving.
  json ok = post("/v1/messages", {{"model", "x"}, {"max_tokens", 1}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}});
  EXPECT_EQ(ok["usage"]["output_tokens"], 1);
}

TEST(MessagesAuth, XApiKeyOrBearer) {
  ServerOptions o;
  o.api_key = "sk-ant-test";
  LiveServer s(o);
  auto c = s.client();
  const std::string body = json({{"model", "m"}, {"max_tokens", 1}, {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}}).dump();
  auto none = c.Post("/v1/messages", body, "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["error"]["type"], "authentication_error");
  auto wrong = c.Post("/v1/messages", httplib::Headers{{"x-api-key", "sk-ant-nope"}}, body, "application/json");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(json::parse(wrong->body)["type"], "error");
  EXPECT_EQ(c.Post("/v1/messages", httplib::Headers{{"x-api-key", "sk-ant-test"}}, body, "application/json")->status, 200);
  EXPECT_EQ(c.Post("/v1/messages", httplib::Headers{{"Authorization", "Bearer sk-ant-test"}}, body, "application/json")->status, 200);
  // The OpenAI routes take x-api-key too, and keep their own error shape.
  EXPECT_EQ(c.Get("/v1/models", httplib::Headers{{"x-api-key", "sk-ant-test"}})->status, 200);
  EXPECT_EQ(json::parse(c.Get("/v1/models")->body)["error"]["code"], "invalid_api_key");
}

}  // namespace
}  // namespace dseek::server::test
