// Streaming equals non-streaming, through the server's own SSE assembly: for every parse
// vector, the completion text split at every byte, byte by byte, in random multi-byte
// chunks and token by token (the vector's text_ids through the tokenizer's streaming
// decoder), written as chat.completion.chunk events and put together the way an OpenAI
// client does, gives the message and finish_reason of the non-streamed response.
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

std::vector<json> parse_vectors() {
  std::vector<json> out;
  std::ifstream in(dseek::test::data_path("vectors/chat/parse.jsonl"));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

const ResponseMeta kMeta{"chatcmpl-test", "nano-agent", 0, true};

// The non-streamed response for a completion text (what the server sends with stream off).
json whole_response(const std::string& text, bool thinking) {
  ChatTurn turn(tokenizer(), thinking, "call_t_", {}, "", -1);
  chat::AssistantMessage m;
  apply_deltas(m, turn.push_text(text));
  apply_deltas(m, turn.finish());
  ResponseMeta meta = kMeta;
  meta.thinking = thinking;
  return chat_completion_json(meta, m, turn.finish_reason("stop"), Usage{}, nullptr);
}

// The SSE body the server writes when the text arrives in `chunks`.
std::string sse_body(const std::vector<std::string_view>& chunks, bool thinking) {
  ChatTurn turn(tokenizer(), thinking, "call_t_", {}, "", -1);
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

void expect_same(const std::string& body, const json& whole, const std::string& what) {
  StreamResult r = assemble_chat_stream(body);
  ASSERT_TRUE(r.done) << what;
  ASSERT_EQ(r.message, normalized_message(whole["choices"][0]["message"])) << what;
  ASSERT_EQ(r.finish_reason, whole["choices"][0]["finish_reason"]) << what;
}

class StreamProperty : public ::testing::TestWithParam<json> {};

TEST_P(StreamProperty, EverySplitGivesTheNonStreamedResponse) {
  const json& c = GetParam();
  const std::string text = c["input"]["text"];
  const bool thinking = c["input"]["thinking_mode"] == "thinking";
  const json whole = whole_response(text, thinking);
  const json& msg = whole["choices"][0]["message"];

  bool accepted = true;
  try {
    chat::parse_completion(text, thinking);
  } catch (const Error&) {
    accepted = false;
  }
  if (accepted) {
    // Accepted text: exactly the V3.2 parse (ids aside); no DSML in content.
    chat::AssistantMessage want = chat::parse_completion(text, thinking);
    EXPECT_EQ(msg["content"].is_null() ? std::string() : msg["content"].get<std::string>(), want.content);
    if (thinking) {
      EXPECT_EQ(msg["reasoning_content"], want.reasoning_content);
    }
    const size_t n = msg.contains("tool_calls") ? msg["tool_calls"].size() : 0;
    ASSERT_EQ(n, want.tool_calls.size());
    for (size_t i = 0; i < n; ++i) {
      EXPECT_EQ(msg["tool_calls"][i]["id"], "call_t_" + std::to_string(i));
      EXPECT_EQ(msg["tool_calls"][i]["function"]["name"], want.tool_calls[i].name);
      EXPECT_EQ(msg["tool_calls"][i]["function"]["arguments"], want.tool_calls[i].arguments);
      EXPECT_TRUE(json::accept(want.tool_calls[i].arguments));
    }
    EXPECT_EQ(whole["choices"][0]["finish_reason"], n > 0 ? "tool_calls" : "stop");
  } else if (msg.contains("tool_calls")) {
    // Rejected only for text after a well-formed block: the calls stand, that text is
    // content (and the block is not).
    EXPECT_EQ(whole["choices"][0]["finish_reason"], "tool_calls");
    const std::string content = msg["content"].is_null() ? std::string() : msg["content"].get<std::string>();
    EXPECT_EQ(content.find("｜DSML｜"), std::string::npos) << content;
    const std::string close(chat::lit::kCallsClose);
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
      if (auto at = want.find(marker); at != std::string::npos) want.erase(at, marker.size());
    EXPECT_EQ(got.size(), want.size()) << "reasoning+content: " << got;
  }

  for (size_t cut = 0; cut <= text.size(); ++cut) expect_same(sse_body(split(text, {cut}), thinking), whole, "cut " + std::to_string(cut));
  std::vector<size_t> bytes;
  for (size_t i = 1; i < text.size(); ++i) bytes.push_back(i);
  expect_same(sse_body(split(text, bytes), thinking), whole, "byte by byte");
  std::mt19937 rng(20240611);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<size_t> cuts;
    for (size_t at = 1 + rng() % 40; at < text.size(); at += 1 + rng() % 40) cuts.push_back(at);
    expect_same(sse_body(split(text, cuts), thinking), whole, "random chunks, trial " + std::to_string(trial));
  }

  // Token by token, as the server gets them from the scheduler; several tokens a batch.
  const auto ids = c["input"]["text_ids"].get<std::vector<int32_t>>();
  ASSERT_EQ(tokenizer().decode(ids), text);
  for (size_t per : {size_t(1), size_t(3), size_t(7)}) {
    ChatTurn turn(tokenizer(), thinking, "call_t_", {}, "", -1);
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
    expect_same(body, whole, "tokens, " + std::to_string(per) + " per batch");
  }
}

INSTANTIATE_TEST_SUITE_P(ParseVectors, StreamProperty, ::testing::ValuesIn(parse_vectors()),
                         [](const ::testing::TestParamInfo<json>& info) {
                           std::string s = info.param["case_id"];
                           for (char& ch : s)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

TEST(StreamProperty, AllVectorsLoaded) { EXPECT_EQ(parse_vectors().size(), 36u); }

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
