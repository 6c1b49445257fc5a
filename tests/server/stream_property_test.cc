// Streaming equals non-streaming, through the server's own SSE assembly: for every parse
// vector, the completion text split at every byte, byte by byte, in random multi-byte
// chunks and token by token (the vector's text_ids through the tokenizer's streaming
// decoder), written as chat.completion.chunk events and put together the way an OpenAI
// client does, gives the message and finish_reason of the non-streamed response. For V3.2's
// vectors (chat/parse.jsonl) and, through ChatCodec::v3() / v31() / v4(), the V3-0324, V3.1
// and V4 vectors (chat-v3/, chat-v3.1/, chat-v4/parse.jsonl).
#include <gtest/gtest.h>

#include <random>

#include "chat/literals.h"
#include "chat/parse.h"
#include "runtime/error.h"
#include "server/chat_response.h"
#include "server/chat_turn.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

const Tokenizer& tokenizer() {
  static Tokenizer t = Tokenizer::load(model_dir() + "/tokenizer.json");
  return t;
}

std::vector<json> parse_vectors(const std::string& dir = "chat") {
  std::vector<json> out;
  std::ifstream in(dseek::test::data_path("vectors/" + dir + "/parse.jsonl"));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

const ResponseMeta kMeta{"chatcmpl-test", "nano-agent", 0, true};

// The non-streamed response for a completion text (what the server sends with stream off).
json whole_response(const std::string& text, bool thinking, const ChatCodec& codec = ChatCodec::v32()) {
  ChatTurn turn(tokenizer(), thinking, "call_t_", {}, "", -1, codec);
  chat::AssistantMessage m;
  apply_deltas(m, turn.push_text(text));
  apply_deltas(m, turn.finish());
  ResponseMeta meta = kMeta;
  meta.thinking = thinking;
  return chat_completion_json(meta, m, turn.finish_reason("stop"), Usage{}, nullptr);
}

// The SSE body the server writes when the text arrives in `chunks`; `incremental`: tool calls
// released as they are written (the server's streamed responses).
std::string sse_body(const std::vector<std::string_view>& chunks, bool thinking, const ChatCodec& codec,
                     bool incremental) {
  ChatTurn turn(tokenizer(), thinking, "call_t_", {}, "", -1, codec, incremental);
  ResponseMeta meta = kMeta;
  meta.thinking = thinking;
  ChatStreamWriter w(meta, true);
  std::string body = w.start();
  for (auto c : chunks) body += w.deltas(turn.push_text(c), json::array());
  body += w.deltas(turn.finish(), json::array());
  return body + w.finish(turn.finish_reason("stop"), Usage{});
}

std::vector<std::string_view> split(const std::string& text, const std::vector<size_t>& cuts) {
  std::vector<std::string_view> out;
  size_t prev = 0;
  for (size_t c : cuts) {
    out.push_back(std::string_view(text).substr(prev, c - prev));
    prev = c;
  }
  out.push_back(std::string_view(text).substr(prev));
  return out;
}

// `exact` false (incremental streaming of a text whose block the server rejects): the calls
// released before the judgment stay in the stream; content, reasoning and finish_reason are
// still the non-streamed response's.
void expect_same(const std::string& body, const json& whole, const std::string& what, bool exact = true) {
  StreamResult r = assemble_chat_stream(body);
  ASSERT_TRUE(r.done) << what;
  json want = normalized_message(whole["choices"][0]["message"]);
  if (!exact) {
    ASSERT_TRUE(want["tool_calls"].empty()) << what;
    r.message["tool_calls"] = json::array();
  }
  ASSERT_EQ(r.message, want) << what;
  ASSERT_EQ(r.finish_reason, whole["choices"][0]["finish_reason"]) << what;
}

// The property for one completion in one chat format; `ids` its tokens under the built-in
// model's tokenizer.
void check_stream_property(const std::string& text, bool thinking, const std::vector<int32_t>& ids, const ChatCodec& codec) {
  const json whole = whole_response(text, thinking, codec);
  const json& msg = whole["choices"][0]["message"];

  bool accepted = true;
  try {
    codec.parse(text, thinking);
  } catch (const Error&) {
    accepted = false;
  }
  if (accepted) {
    // Accepted text: exactly the format's parse (ids aside); no tool block in content.
    chat::AssistantMessage want = codec.parse(text, thinking);
    EXPECT_EQ(msg["content"].is_null() ? std::string() : msg["content"].get<std::string>(), want.content);
    if (thinking) {
      EXPECT_EQ(msg["reasoning_content"], want.reasoning_content);
    }
    const size_t n = msg.contains("tool_calls") ? msg["tool_calls"].size() : 0;
    ASSERT_EQ(n, want.tool_calls.size());
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(msg["tool_calls"][i]["id"], "call_t_" + std::to_string(i));
      EXPECT_EQ(msg["tool_calls"][i]["function"]["name"], want.tool_calls[i].name);
      // The server always sends JSON arguments: where the format's parse keeps a raw value
      // that is not JSON (V4's reference does: parse005), the server's string must differ.
      const std::string got = msg["tool_calls"][i]["function"]["arguments"];
      EXPECT_TRUE(json::accept(got)) << got;
      if (json::accept(want.tool_calls[i].arguments)) EXPECT_EQ(got, want.tool_calls[i].arguments);
      else EXPECT_EQ(codec.format, chat::Format::V4) << want.tool_calls[i].arguments;
    }
    EXPECT_EQ(whole["choices"][0]["finish_reason"], n > 0 ? "tool_calls" : "stop");
  } else if (msg.contains("tool_calls")) {
    // Rejected only for text after a well-formed block: the calls stand, that text is
    // content (and the block is not).
    EXPECT_EQ(whole["choices"][0]["finish_reason"], "tool_calls");
    const std::string content = msg["content"].is_null() ? std::string() : msg["content"].get<std::string>();
    EXPECT_EQ(content.find(codec.name == "v3.2" ? "｜DSML｜" : codec.opener), std::string::npos) << content;
    const std::string close(codec.calls_close);
    std::string after = text.substr(text.rfind(close) + close.size());
    if (auto at = after.find(chat::lit::kEos); at != std::string::npos) after.erase(at, chat::lit::kEos.size());
    EXPECT_EQ(content.substr(content.size() - std::min(content.size(), after.size())), after);
    EXPECT_FALSE(after.empty());
  } else {
    // Rejected text: no tool calls, finish_reason "stop", and no text lost.
    EXPECT_EQ(whole["choices"][0]["finish_reason"], "stop");
    std::string got = msg.value("reasoning_content", std::string()) + msg["content"].get<std::string>();
    std::string want = text;
    for (std::string_view marker : {chat::lit::kEos, chat::lit::kThinkClose})
      if (auto at = want.find(marker); at != std::string::npos && (thinking || marker != chat::lit::kThinkClose || codec.name == "v3.2"))
        want.erase(at, marker.size());
    EXPECT_EQ(got.size(), want.size()) << "reasoning+content: " << got;
  }

  // Incremental tool calls (V3.2, V4): the same response when the server accepts the block
  // (the argument pieces add up to the whole arguments); otherwise the same text.
  const bool exact = accepted || msg.contains("tool_calls");
  for (bool incremental : {false, true}) {
    if (incremental && !codec.incremental_calls()) continue;
    const std::string mode = incremental ? "incremental, " : "";
    const bool ex = exact || !incremental;
    for (size_t cut = 0; cut <= text.size(); ++cut)
      expect_same(sse_body(split(text, {cut}), thinking, codec, incremental), whole, mode + "cut " + std::to_string(cut), ex);
    std::vector<size_t> bytes;
    for (size_t i = 1; i < text.size(); ++i) bytes.push_back(i);
    expect_same(sse_body(split(text, bytes), thinking, codec, incremental), whole, mode + "byte by byte", ex);
    std::mt19937 rng(20240611);
    for (int trial = 0; trial < (incremental ? 30 : 100); ++trial) {
      std::vector<size_t> cuts;
      for (size_t at = 1 + rng() % 40; at < text.size(); at += 1 + rng() % 40) cuts.push_back(at);
      expect_same(sse_body(split(text, cuts), thinking, codec, incremental), whole,
                  mode + "random chunks, trial " + std::to_string(trial), ex);
    }
  }

  // Token by token, as the server gets them from the scheduler; several tokens a batch.
  ASSERT_EQ(tokenizer().decode(ids), text);
  for (size_t per : {size_t(1), size_t(3), size_t(7), size_t(0)}) {
    // per 0: one token a batch, incremental tool calls.
    const bool incremental = per == 0;
    if (incremental && !codec.incremental_calls()) continue;
    if (per == 0) per = 1;
    ChatTurn turn(tokenizer(), thinking, "call_t_", {}, "", -1, codec, incremental);
    ResponseMeta meta = kMeta;
    meta.thinking = thinking;
    ChatStreamWriter w(meta, false);
    std::string body = w.start();
    std::vector<chat::Delta> batch;
    for (size_t i = 0; i < ids.size(); ++i) {
      TokenEvent ev;
      ev.id = ids[i];
      auto d = turn.push_token(ev);
      batch.insert(batch.end(), d.begin(), d.end());
      if ((i + 1) % per == 0) body += w.deltas(std::exchange(batch, {}), json::array());
    }
    auto rest = turn.finish();
    batch.insert(batch.end(), rest.begin(), rest.end());
    body += w.deltas(batch, json::array());
    body += w.finish(turn.finish_reason("stop"), Usage{});
    expect_same(body, whole, std::string(incremental ? "incremental, " : "") + "tokens, " + std::to_string(per) + " per batch",
                exact || !incremental);
  }
}

// A vector's case_id as a test name (letters and digits; the rest '_').
std::string case_name(const ::testing::TestParamInfo<json>& info) {
  std::string s = info.param["case_id"];
  for (char& ch : s)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

class StreamProperty : public ::testing::TestWithParam<json> {};

TEST_P(StreamProperty, EverySplitGivesTheNonStreamedResponse) {
  const json& c = GetParam();
  check_stream_property(c["input"]["text"], c["input"]["thinking_mode"] == "thinking",
                        c["input"]["text_ids"].get<std::vector<int32_t>>(), ChatCodec::v32());
}

INSTANTIATE_TEST_SUITE_P(ParseVectors, StreamProperty, ::testing::ValuesIn(parse_vectors()),
                         case_name);

TEST(StreamProperty, AllVectorsLoaded) { EXPECT_EQ(parse_vectors().size(), 36u); }

// V3 / V3-0324 and V3.1: each vector through its format's codec. The ids are the V3.1
// tokenizer's (the built-in model's), which V3's vectors give where the two tokenizers differ.
class StreamPropertyV3 : public ::testing::TestWithParam<json> {};

TEST_P(StreamPropertyV3, EverySplitGivesTheNonStreamedResponse) {
  const json& c = GetParam();
  const json& in = c["input"];
  const ChatCodec& codec = c["format"] == "v3" ? ChatCodec::v3() : ChatCodec::v31();
  const json& ids = in.contains("text_ids_v31_tokenizer") ? in["text_ids_v31_tokenizer"] : in["text_ids"];
  check_stream_property(in["text"], in["thinking_mode"] == "thinking", ids.get<std::vector<int32_t>>(), codec);
}

std::vector<json> v3_parse_vectors() {
  std::vector<json> out;
  for (auto [dir, format] : {std::pair{"chat-v3", "v3"}, std::pair{"chat-v3.1", "v3.1"}})
    for (json v : parse_vectors(dir)) {
      v["format"] = format;
      v["case_id"] = std::string(format) + "-" + v["case_id"].get<std::string>();
      out.push_back(std::move(v));
    }
  return out;
}

INSTANTIATE_TEST_SUITE_P(ParseVectors, StreamPropertyV3, ::testing::ValuesIn(v3_parse_vectors()),
                         case_name);

TEST(StreamPropertyV3, AllVectorsLoaded) { EXPECT_EQ(v3_parse_vectors().size(), 88u); }

// V4 (DeepSeek's encoding_dsv4 parse vectors): the same property through ChatCodec::v4(). The
// vectors carry no ids; the built-in tokenizer's encoding of the text (special tokens
// included) stands in for the model's tokens.
std::vector<json> v4_parse_vectors() {
  std::vector<json> out;
  for (json v : parse_vectors("chat-v4")) {
    v["case_id"] = "v4-" + v["id"].get<std::string>();
    out.push_back(std::move(v));
  }
  return out;
}

class StreamPropertyV4 : public ::testing::TestWithParam<json> {};

TEST_P(StreamPropertyV4, EverySplitGivesTheNonStreamedResponse) {
  const json& c = GetParam();
  const std::string text = c["text"];
  check_stream_property(text, c["thinking_mode"] == "thinking", tokenizer().encode(text), ChatCodec::v4());
}

INSTANTIATE_TEST_SUITE_P(ParseVectors, StreamPropertyV4, ::testing::ValuesIn(v4_parse_vectors()),
                         case_name);

TEST(StreamPropertyV4, AllVectorsLoaded) { EXPECT_EQ(v4_parse_vectors().size(), 12u); }

// A V3-format call the model writes is reported as a tool call (with the server's id and
// finish_reason), streamed or not; a broken one comes back whole as content.
TEST(MessageStream, V3CallsBecomeToolCalls) {
  const std::string call =
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>calculator\n```json\n{\"expression\": \"12*34\"}\n```"
      "<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  json r = whole_response("Computing." + call + std::string(chat::lit::kEos), false, ChatCodec::v3());
  EXPECT_EQ(r["choices"][0]["message"]["content"], "Computing.");
  ASSERT_EQ(r["choices"][0]["message"]["tool_calls"].size(), 1u);
  EXPECT_EQ(r["choices"][0]["message"]["tool_calls"][0]["id"], "call_t_0");
  EXPECT_EQ(r["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "calculator");
  EXPECT_EQ(r["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"expression\": \"12*34\"}");
  EXPECT_EQ(r["choices"][0]["finish_reason"], "tool_calls");
  // The same call in V3.2's or V3.1's format is not a call: verbatim content.
  for (const ChatCodec* c : {&ChatCodec::v32(), &ChatCodec::v31()}) {
    json other = whole_response("Computing." + call + std::string(chat::lit::kEos), false, *c);
    EXPECT_FALSE(other["choices"][0]["message"].contains("tool_calls")) << c->name;
    EXPECT_EQ(other["choices"][0]["message"]["content"], "Computing." + call) << c->name;
  }
  // V3.1: reasoning, then a call.
  json t = whole_response("Need it.</think><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>calculator<｜tool▁sep｜>{\"expression\": \"1\"}"
                          "<｜tool▁call▁end｜><｜tool▁calls▁end｜>" + std::string(chat::lit::kEos), true, ChatCodec::v31());
  EXPECT_EQ(t["choices"][0]["message"]["reasoning_content"], "Need it.");
  ASSERT_EQ(t["choices"][0]["message"]["tool_calls"].size(), 1u);
  EXPECT_EQ(t["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"expression\": \"1\"}");
  // A truncated V3 block is content, whole, and finish_reason is not tool_calls.
  const std::string cut = call.substr(0, call.find("34"));
  json b = whole_response(cut, false, ChatCodec::v3());
  EXPECT_EQ(b["choices"][0]["message"]["content"], cut);
  EXPECT_FALSE(b["choices"][0]["message"].contains("tool_calls"));
}

// A tool block the format rejects comes back whole, verbatim, as content; a call that was
// complete before the block broke is not reported.
TEST(MessageStream, BrokenBlockIsContentAndNoCall) {
  const std::string call =
      "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"calculator\">\n<｜DSML｜parameter name=\"expression\" "
      "string=\"true\">1+2</｜DSML｜parameter>\n</｜DSML｜invoke>\n";
  const std::string broken = call + "<｜DSML｜invoke name=\"bash\">\n<｜DSML｜parameter name=\"command\" string=\"maybe\">ls";
  json r = whole_response("Let me see." + broken + std::string(chat::lit::kEos), false);
  EXPECT_EQ(r["choices"][0]["message"]["content"], "Let me see." + broken);
  EXPECT_FALSE(r["choices"][0]["message"].contains("tool_calls"));
  EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
  // The same block closed properly: one call, nothing in content.
  json ok = whole_response(call + "</｜DSML｜function_calls>" + std::string(chat::lit::kEos), false);
  EXPECT_EQ(ok["choices"][0]["message"]["content"], nullptr);
  ASSERT_EQ(ok["choices"][0]["message"]["tool_calls"].size(), 1u);
  EXPECT_EQ(ok["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], "{\"expression\": \"1+2\"}");
  EXPECT_EQ(ok["choices"][0]["finish_reason"], "tool_calls");
  // Truncated by max_tokens inside the block: all of it is content, finish_reason "length".
  ChatTurn turn(tokenizer(), false, "c", {}, "", -1);
  chat::AssistantMessage m;
  const std::string cut = call.substr(0, call.find("1+2") + 2);
  apply_deltas(m, turn.push_text(cut));
  apply_deltas(m, turn.finish());
  EXPECT_EQ(m.content, cut);
  EXPECT_TRUE(m.tool_calls.empty());
  EXPECT_EQ(turn.finish_reason("length"), "length");
}

// `stop` sequences end the text; a stop sequence split over chunks is still found.
TEST(ChatTurn, StopSequenceAcrossChunks) {
  ChatTurn turn(tokenizer(), false, "c", {"END"}, "", -1);
  chat::AssistantMessage m;
  for (std::string_view piece : {"The answer is 4. E", "N", "D and more", "<｜end▁of▁sentence｜>"}) apply_deltas(m, turn.push_text(piece));
  apply_deltas(m, turn.finish());
  EXPECT_TRUE(turn.stop_hit());
  EXPECT_EQ(m.content, "The answer is 4. ");
  EXPECT_EQ(turn.finish_reason("cancelled"), "stop");
}

// tool_choice steering: the forced prefix is parsed as if the model had written it.
TEST(ChatTurn, ForcedPrefixIsPartOfTheMessage) {
  const std::string forced = "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"bash\">\n";
  ChatTurn turn(tokenizer(), false, "c", {}, forced, -1);
  chat::AssistantMessage m;
  apply_deltas(m, turn.push_text("<｜DSML｜parameter name=\"command\" string=\"true\">ls</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls>"));
  apply_deltas(m, turn.push_text("<｜end▁of▁sentence｜>"));
  apply_deltas(m, turn.finish());
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].name, "bash");
  EXPECT_EQ(m.tool_calls[0].arguments, "{\"command\": \"ls\"}");
  EXPECT_EQ(m.content, "");
  EXPECT_EQ(turn.finish_reason("stop"), "tool_calls");
}

}  // namespace
}  // namespace dseek::server::test
