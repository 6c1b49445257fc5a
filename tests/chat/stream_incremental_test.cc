// StreamParser::set_incremental_arguments: a tool call is announced once its invoke header is
// complete and its arguments JSON arrives in pieces; for every accepted V3.2 and V4 parse
// vector and every split of its text, the pieces add up to exactly the non-streamed message
// (parse_completion's arguments, byte for byte).
#include <gtest/gtest.h>

#include <random>

#include "chat/parse.h"
#include "chat/stream.h"
#include "chat/v4/parse.h"
#include "chat/v4/stream.h"
#include "runtime/error.h"
#include "v4_vectors.h"
#include "vectors.h"

namespace dseek::chat {
namespace {

struct Fed {
  AssistantMessage msg;
  size_t args_deltas = 0;
};

Fed feed_split(const std::string& text, bool thinking, bool v4, const std::vector<size_t>& cuts) {
  std::unique_ptr<StreamParser> sp = v4 ? std::make_unique<v4::StreamParser>(thinking) : std::make_unique<StreamParser>(thinking);
  sp->set_incremental_arguments(true);
  Fed f;
  auto take = [&](const std::vector<Delta>& ds) {
    for (const Delta& d : ds) {
      apply_delta(f.msg, d);
      f.args_deltas += d.kind == Delta::Kind::ToolCallArgs;
    }
  };
  size_t prev = 0;
  for (size_t cut : cuts) {
    take(sp->feed(std::string_view(text).substr(prev, cut - prev)));
    prev = cut;
  }
  take(sp->feed(std::string_view(text).substr(prev)));
  take(sp->finish());
  return f;
}

void check_all_splits(const std::string& text, bool thinking, bool v4, const AssistantMessage& want) {
  const nlohmann::json w = nlohmann::json(want.to_openai());
  for (size_t cut = 0; cut <= text.size(); ++cut)
    ASSERT_EQ(nlohmann::json(feed_split(text, thinking, v4, {cut}).msg.to_openai()), w) << "cut " << cut;
  std::vector<size_t> bytes;
  for (size_t i = 1; i < text.size(); ++i) bytes.push_back(i);
  Fed by_byte = feed_split(text, thinking, v4, bytes);
  ASSERT_EQ(nlohmann::json(by_byte.msg.to_openai()), w) << "byte by byte";
  // Fed byte by byte, a call with parameters gets its arguments in more than one piece ("{"
  // with its start, "}" at its end, at least); one without, "{}" at once.
  size_t pieces = 0;
  for (const auto& call : want.tool_calls) pieces += call.arguments == "{}" ? 1 : 2;
  EXPECT_GE(by_byte.args_deltas, pieces);
  std::mt19937 rng(777);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<size_t> cuts;
    for (size_t at = 1 + rng() % 9; at < text.size(); at += 1 + rng() % 9) cuts.push_back(at);
    ASSERT_EQ(nlohmann::json(feed_split(text, thinking, v4, cuts).msg.to_openai()), w) << "trial " << trial;
  }
}

TEST(StreamIncremental, EveryV32VectorEverySplit) {
  int with_calls = 0;
  for (const Json& c : test::load_vectors("parse.jsonl")) {
    if (!c["expected"].contains("message")) continue;  // rejected texts: no promise on the arguments
    SCOPED_TRACE(c["case_id"].get<std::string>());
    const std::string text = c["input"]["text"];
    const bool thinking = c["input"]["thinking_mode"] == "thinking";
    AssistantMessage want = parse_completion(text, thinking);
    with_calls += !want.tool_calls.empty();
    check_all_splits(text, thinking, false, want);
  }
  EXPECT_GT(with_calls, 5);
}

TEST(StreamIncremental, EveryV4VectorEverySplit) {
  int checked = 0;
  for (const Json& c : v4::test::load_jsonl("parse.jsonl")) {
    const std::string text = c["text"];
    const bool thinking = c["thinking_mode"] == "thinking";
    AssistantMessage want;
    try {
      want = v4::parse_completion(text, thinking);
    } catch (const Error&) {
      continue;
    }
    SCOPED_TRACE(c["id"].get<std::string>());
    check_all_splits(text, thinking, true, want);
    checked += !want.tool_calls.empty();
  }
  EXPECT_GT(checked, 0);
}

std::string args_of(const std::vector<Delta>& ds) {
  std::string s;
  for (const Delta& d : ds)
    if (d.kind == Delta::Kind::ToolCallArgs) s += d.text;
  return s;
}

TEST(StreamIncremental, PiecesComeAsTheBlockArrives) {
  StreamParser sp(false, "c");
  sp.set_incremental_arguments(true);
  EXPECT_TRUE(sp.feed("\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"read_file\">\n").empty());
  EXPECT_TRUE(sp.feed("<｜DSML｜param").empty());
  std::vector<Delta> ds = sp.feed("eter");  // the header is complete: the call starts
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].kind, Delta::Kind::ToolCallStart);
  EXPECT_EQ(ds[0].name, "read_file");
  EXPECT_EQ(ds[0].id, "c0");
  EXPECT_EQ(args_of(ds), "{");
  EXPECT_EQ(args_of(sp.feed(" name=\"path\" string=\"tr")), "");
  EXPECT_EQ(args_of(sp.feed("ue\">no")), "\"path\": \"no");
  EXPECT_EQ(args_of(sp.feed("tes \"1\"\n<")), "tes \\\"1\\\"\\n");  // "<" could end the value
  EXPECT_EQ(args_of(sp.feed("/｜DSML｜parameter>\n<｜DSML｜parameter name=\"n\" string=\"false\">4")), "\", \"n\": ");
  EXPECT_EQ(args_of(sp.feed("2</｜DSML｜parameter>\n")), "42");
  EXPECT_EQ(args_of(sp.feed("</｜DSML｜invoke>\n")), "}");
  EXPECT_TRUE(sp.feed("</｜DSML｜function_calls><｜end▁of▁sentence｜>").empty());
  EXPECT_TRUE(sp.finish().empty());
}

}  // namespace
}  // namespace dseek::chat
