// Incremental tool calls in streamed responses (MessageStream's incremental mode): a call is
// released at its invoke header and its arguments follow in pieces that add up to the
// non-streamed arguments; OpenAI chunks and Anthropic events carry them as the clients expect;
// calls of tools not offered and V3 / V3.1 calls are still held; a block rejected after a
// call went out keeps the non-streamed content and finish_reason.
#include <gtest/gtest.h>

#include <algorithm>

#include "chat/literals.h"
#include "server/anthropic_blocks.h"
#include "server/chat_response.h"
#include "server/message_stream.h"
#include "test_util.h"

namespace dseek::server::test {
namespace {

using Kind = chat::Delta::Kind;

// A write_file call with a long content string (quotes, a newline, non-ASCII), in `opener`'s
// block (V3.2: function_calls, V4: tool_calls).
std::string write_block(const std::string& block_name) {
  std::string body;
  for (int i = 0; i < 12; ++i) body += "line " + std::to_string(i) + ": \"quoted\" text – ünïcode\n";
  return "\n\n<｜DSML｜" + block_name + ">\n<｜DSML｜invoke name=\"write_file\">\n"
         "<｜DSML｜parameter name=\"path\" string=\"true\">notes.txt</｜DSML｜parameter>\n"
         "<｜DSML｜parameter name=\"content\" string=\"true\">" + body + "</｜DSML｜parameter>\n"
         "</｜DSML｜invoke>\n</｜DSML｜" + block_name + ">";
}

struct Fed {
  std::vector<std::vector<chat::Delta>> per_feed;  // the deltas of each feed(), finish() last
  chat::AssistantMessage msg;
  int tool_calls = 0;
};

// `text` through a MessageStream in chunks of `step` bytes.
Fed feed(const std::string& text, const ChatCodec& codec, bool incremental, size_t step,
         const std::vector<std::string>* offered = nullptr) {
  MessageStream ms(false, "c_", codec, incremental);
  if (offered) ms.set_offered_tools(*offered);
  Fed f;
  for (size_t at = 0; at < text.size(); at += step) f.per_feed.push_back(ms.feed(std::string_view(text).substr(at, step)));
  f.per_feed.push_back(ms.finish());
  for (const auto& ds : f.per_feed) apply_deltas(f.msg, ds);
  f.tool_calls = ms.tool_calls();
  return f;
}

// Index of the first feed holding a delta of `kind`; -1 when none.
int first_feed_with(const Fed& f, Kind kind) {
  for (size_t i = 0; i < f.per_feed.size(); ++i)
    for (const auto& d : f.per_feed[i])
      if (d.kind == kind) return static_cast<int>(i);
  return -1;
}

int feeds_with(const Fed& f, Kind kind) {
  int n = 0;
  for (const auto& ds : f.per_feed)
    n += std::any_of(ds.begin(), ds.end(), [&](const chat::Delta& d) { return d.kind == kind; });
  return n;
}

TEST(IncrementalCalls, ArgumentsArriveInPiecesAddingUpToTheWholeCall) {
  for (auto [codec, block] : {std::pair{&ChatCodec::v32(), "function_calls"}, std::pair{&ChatCodec::v4(), "tool_calls"}}) {
    const std::string text = "Writing it." + write_block(block) + std::string(chat::lit::kEos);
    const size_t step = 8;
    Fed whole = feed(text, *codec, false, step);
    Fed inc = feed(text, *codec, true, step);
    ASSERT_EQ(whole.msg.tool_calls.size(), 1u) << codec->name;
    ASSERT_EQ(inc.msg.tool_calls.size(), 1u) << codec->name;
    EXPECT_EQ(inc.msg.tool_calls[0].name, "write_file");
    EXPECT_EQ(inc.msg.tool_calls[0].id, "c_0");
    EXPECT_EQ(inc.msg.tool_calls[0].arguments, whole.msg.tool_calls[0].arguments) << codec->name;
    EXPECT_EQ(inc.msg.content, "Writing it.");
    EXPECT_EQ(inc.tool_calls, 1);
    // Held: the call comes at finish(). Incremental: once the invoke header is in (the feed
    // that completes the tag after `name="write_file">\n`), long before the block ends.
    EXPECT_EQ(first_feed_with(whole, Kind::ToolCallStart), static_cast<int>(whole.per_feed.size()) - 1);
    const size_t header_end = text.find(chat::lit::kParamStart, text.find("write_file")) + chat::lit::kParamStart.size();
    EXPECT_EQ(first_feed_with(inc, Kind::ToolCallStart), static_cast<int>((header_end - 1) / step)) << codec->name;
    // The content string streams: many feeds carry a piece of the arguments.
    EXPECT_GT(feeds_with(inc, Kind::ToolCallArgs), 40) << codec->name;
    EXPECT_EQ(feeds_with(whole, Kind::ToolCallArgs), 1);
  }
}

TEST(IncrementalCalls, RejectedBlockAfterAReleasedCallKeepsTheContent) {
  const std::string block = write_block("function_calls");
  const std::string cut = "Writing it." + block.substr(0, block.find("line 3"));  // max_tokens inside the value
  Fed whole = feed(cut, ChatCodec::v32(), false, 5);
  Fed inc = feed(cut, ChatCodec::v32(), true, 5);
  EXPECT_TRUE(whole.msg.tool_calls.empty());
  EXPECT_EQ(whole.msg.content, cut);
  EXPECT_EQ(whole.tool_calls, 0);
  // The stream showed the call; the judgment gives the same content and no call.
  ASSERT_EQ(inc.msg.tool_calls.size(), 1u);
  EXPECT_EQ(inc.msg.tool_calls[0].name, "write_file");
  EXPECT_EQ(inc.msg.tool_calls[0].arguments.rfind("{\"path\": \"notes.txt\", \"content\": \"line 0", 0), 0u)
      << inc.msg.tool_calls[0].arguments;
  EXPECT_EQ(inc.msg.content, cut);
  EXPECT_EQ(inc.tool_calls, 0);
}

TEST(IncrementalCalls, CallsOfToolsNotOfferedAreNeverReleased) {
  const std::string text = "Writing it." + write_block("function_calls") + std::string(chat::lit::kEos);
  const std::vector<std::string> calculator = {"calculator"}, none;
  for (const auto* offered : {&calculator, &none}) {
    Fed inc = feed(text, ChatCodec::v32(), true, 7, offered);
    EXPECT_EQ(first_feed_with(inc, Kind::ToolCallStart), -1);
    EXPECT_EQ(first_feed_with(inc, Kind::ToolCallArgs), -1);
    EXPECT_EQ(inc.msg.content, text.substr(0, text.size() - chat::lit::kEos.size()));
    EXPECT_EQ(inc.tool_calls, 0);
  }
  // Offered: released.
  const std::vector<std::string> write = {"write_file"};
  EXPECT_NE(first_feed_with(feed(text, ChatCodec::v32(), true, 7, &write), Kind::ToolCallStart), -1);
}

TEST(IncrementalCalls, V3FormatsReleaseWholeCallsAtTheEnd) {
  const std::string text =
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>calculator\n```json\n{\"expression\": \"12*34\"}\n```"
      "<｜tool▁call▁end｜><｜tool▁calls▁end｜>" + std::string(chat::lit::kEos);
  EXPECT_FALSE(ChatCodec::v3().incremental_calls());
  EXPECT_FALSE(ChatCodec::v31().incremental_calls());
  Fed inc = feed(text, ChatCodec::v3(), true, 4);
  ASSERT_EQ(inc.msg.tool_calls.size(), 1u);
  EXPECT_EQ(inc.msg.tool_calls[0].arguments, "{\"expression\": \"12*34\"}");
  EXPECT_EQ(first_feed_with(inc, Kind::ToolCallStart), static_cast<int>(inc.per_feed.size()) - 1);
}

// OpenAI chunks: the first tool_calls delta has index, id, type, name and arguments ""; the
// next ones only index and function.arguments.
TEST(IncrementalCalls, OpenAiChunksHaveTheStreamingShape) {
  const std::string text = "Writing it." + write_block("function_calls") + std::string(chat::lit::kEos);
  Fed inc = feed(text, ChatCodec::v32(), true, 8);
  ChatStreamWriter w(ResponseMeta{"chatcmpl-t", "nano-agent", 0, false}, false);
  std::string body = w.start();
  for (const auto& ds : inc.per_feed) body += w.deltas(ds, json::array());
  body += w.finish("tool_calls", Usage{});
  std::vector<json> calls;
  for (const auto& p : sse_payloads(body)) {
    if (p == "[DONE]") continue;
    const json d = json::parse(p)["choices"][0]["delta"];
    if (d.contains("tool_calls")) calls.push_back(d["tool_calls"]);
  }
  ASSERT_GT(calls.size(), 40u);
  EXPECT_EQ(calls[0], json::parse(R"([{"index": 0, "id": "c_0", "type": "function",
                                       "function": {"name": "write_file", "arguments": ""}}])"));
  std::string args;
  for (size_t i = 1; i < calls.size(); ++i) {
    ASSERT_EQ(calls[i].size(), 1u);
    const json& c = calls[i][0];
    EXPECT_EQ(c.size(), 2u) << c.dump();
    EXPECT_EQ(c["index"], 0);
    ASSERT_EQ(c["function"].size(), 1u) << c.dump();
    args += c["function"]["arguments"].get<std::string>();
  }
  EXPECT_EQ(args, inc.msg.tool_calls[0].arguments);
  EXPECT_EQ(assemble_chat_stream(body).finish_reason, "tool_calls");
}

// Anthropic events: content_block_start (tool_use, input {}), input_json_delta pieces,
// content_block_stop; the block's input is the parsed arguments.
TEST(IncrementalCalls, AnthropicEventsStreamTheInput) {
  const std::string text = "Writing it." + write_block("function_calls") + std::string(chat::lit::kEos);
  Fed inc = feed(text, ChatCodec::v32(), true, 8);
  ContentBlocks blocks;
  std::vector<json> ev;
  for (const auto& ds : inc.per_feed)
    for (auto& e : blocks.feed(ds)) ev.push_back(std::move(e));
  for (auto& e : blocks.finish()) ev.push_back(std::move(e));
  size_t start = 0;
  while (start < ev.size() && !(ev[start]["type"] == "content_block_start" && ev[start]["index"] == 1)) ++start;
  ASSERT_LT(start, ev.size());
  EXPECT_EQ(ev[start]["content_block"], json({{"type", "tool_use"}, {"id", "c_0"}, {"name", "write_file"}, {"input", json::object()}}));
  std::string partial;
  size_t i = start + 1;
  for (; i < ev.size() && ev[i]["type"] == "content_block_delta"; ++i) {
    EXPECT_EQ(ev[i]["delta"]["type"], "input_json_delta");
    partial += ev[i]["delta"]["partial_json"].get<std::string>();
  }
  EXPECT_GT(i - start - 1, 40u);
  ASSERT_LT(i, ev.size());
  EXPECT_EQ(ev[i], json({{"type", "content_block_stop"}, {"index", 1}}));
  EXPECT_EQ(partial, inc.msg.tool_calls[0].arguments);
  EXPECT_EQ(blocks.blocks()[1]["input"], json::parse(partial));
  EXPECT_TRUE(blocks.has_tool_use());
}

}  // namespace
}  // namespace dseek::server::test
