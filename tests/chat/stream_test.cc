// StreamParser: for every split of a completion into chunks the deltas add up to
// parse_completion's result (accepted texts) and to one and the same result (all texts);
// markers are held back; rejected DSML comes out verbatim as content.
#include <gtest/gtest.h>

#include <random>

#include "chat/parse.h"
#include "chat/stream.h"
#include "runtime/error.h"
#include "vectors.h"

namespace dseek::chat {
namespace {

const std::string kEos = "<｜end▁of▁sentence｜>";

nlohmann::json streamed(const std::string& text, bool thinking, const std::vector<size_t>& cuts) {
  StreamParser sp(thinking);
  AssistantMessage msg;
  size_t prev = 0;
  for (size_t cut : cuts) {
    for (const Delta& d : sp.feed(std::string_view(text).substr(prev, cut - prev))) apply_delta(msg, d);
    prev = cut;
  }
  for (const Delta& d : sp.feed(std::string_view(text).substr(prev))) apply_delta(msg, d);
  for (const Delta& d : sp.finish()) apply_delta(msg, d);
  return nlohmann::json(msg.to_openai());
}

class StreamVector : public ::testing::TestWithParam<Json> {};

TEST_P(StreamVector, EverySplitAgrees) {
  const Json& c = GetParam();
  SCOPED_TRACE(c["case_id"].get<std::string>());
  const std::string text = c["input"]["text"].get<std::string>();
  const bool thinking = c["input"]["thinking_mode"] == "thinking";
  const nlohmann::json whole = streamed(text, thinking, {});
  if (c["expected"].contains("message")) {
    EXPECT_EQ(whole, nlohmann::json(parse_completion(text, thinking).to_openai()));
  }
  // Every cut into two pieces, byte by byte, and random splits.
  for (size_t cut = 0; cut <= text.size(); ++cut) ASSERT_EQ(streamed(text, thinking, {cut}), whole) << "cut " << cut;
  std::vector<size_t> bytes;
  for (size_t i = 1; i < text.size(); ++i) bytes.push_back(i);
  ASSERT_EQ(streamed(text, thinking, bytes), whole) << "byte by byte";
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<size_t> cuts;
    size_t at = 0;
    while (true) {
      at += 1 + rng() % 12;
      if (at >= text.size()) break;
      cuts.push_back(at);
    }
    ASSERT_EQ(streamed(text, thinking, cuts), whole) << "trial " << trial;
  }
}

INSTANTIATE_TEST_SUITE_P(ParseVectors, StreamVector, ::testing::ValuesIn(test::load_vectors("parse.jsonl")),
                         test::CaseName());

std::string concat(const std::vector<Delta>& ds, Delta::Kind kind) {
  std::string s;
  for (const Delta& d : ds) {
    if (d.kind == kind) s += d.text;
  }
  return s;
}

TEST(Stream, HoldsBackMarkers) {
  StreamParser sp(false);
  EXPECT_EQ(concat(sp.feed("Hello\n"), Delta::Kind::Content), "Hello");
  EXPECT_TRUE(sp.feed("\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n").empty());
  EXPECT_TRUE(sp.feed("<｜DSML｜parameter name=\"a\" string=\"false\">[1]</｜DSML｜parameter>\n</｜DSML｜inv").empty());
  std::vector<Delta> ds = sp.feed("oke>\n</｜DSML｜function_calls>");
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].kind, Delta::Kind::ToolCallStart);
  EXPECT_EQ(ds[0].index, 0);
  EXPECT_EQ(ds[0].name, "f");
  EXPECT_EQ(ds[1].kind, Delta::Kind::ToolCallArgs);
  EXPECT_EQ(ds[1].text, R"({"a": [1]})");
  EXPECT_TRUE(sp.feed("<｜end▁of").empty());
  EXPECT_TRUE(sp.feed("▁sentence｜>").empty());
  EXPECT_TRUE(sp.finish().empty());
}

TEST(Stream, ReasoningThenContent) {
  StreamParser sp(true);
  EXPECT_EQ(concat(sp.feed("Let me think</th"), Delta::Kind::Reasoning), "Let me think");
  std::vector<Delta> ds = sp.feed("ink>The answer<｜end");
  EXPECT_EQ(concat(ds, Delta::Kind::Reasoning), "");
  EXPECT_EQ(concat(ds, Delta::Kind::Content), "The answer");
  EXPECT_TRUE(sp.feed("▁of▁sentence｜>").empty());
  EXPECT_TRUE(sp.finish().empty());
}

TEST(Stream, NoBrokenUtf8) {
  StreamParser sp(false);
  const std::string e = "é";  // two bytes
  EXPECT_TRUE(sp.feed(e.substr(0, 1)).empty());
  EXPECT_EQ(concat(sp.feed(e.substr(1)), Delta::Kind::Content), "é");
}

TEST(Stream, TruncatedBlockComesOutAsContentAtFinish) {
  const std::string block = "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter name=\"a\" string=\"true\">x";
  StreamParser sp(false);
  EXPECT_EQ(concat(sp.feed("Hi" + block), Delta::Kind::Content), "Hi");
  std::vector<Delta> ds = sp.finish();
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].kind, Delta::Kind::Content);
  EXPECT_EQ(ds[0].text, block);
  EXPECT_THROW(parse_completion("Hi" + block, false), dseek::Error);
}

TEST(Stream, MalformedBlockIsReleasedAsSoonAsItIsCertain) {
  StreamParser sp(false);
  EXPECT_EQ(concat(sp.feed("A\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n"), Delta::Kind::Content), "A");
  // A parameter tag must follow with " name=\"": "<｜DSML｜parameter type" cannot.
  std::vector<Delta> ds = sp.feed("<｜DSML｜parameter type=\"x\">");
  EXPECT_EQ(concat(ds, Delta::Kind::Content),
            "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n<｜DSML｜parameter type=\"x\">");
  EXPECT_EQ(concat(sp.feed("more" + kEos), Delta::Kind::Content), "more");
  EXPECT_TRUE(sp.finish().empty());
}

TEST(Stream, CompletedCallsStayWhenALaterOneIsMalformed) {
  const std::string first = "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"f\">\n</｜DSML｜invoke";
  const std::string rest = ">\n<｜DSML｜invoke name=\"g\">\n\n\n</｜DSML｜invoke>\n</｜DSML｜function_calls>";
  StreamParser sp(false, "call_");
  AssistantMessage msg;
  for (const Delta& d : sp.feed(first + rest + kEos)) apply_delta(msg, d);
  for (const Delta& d : sp.finish()) apply_delta(msg, d);
  ASSERT_EQ(msg.tool_calls.size(), 1u);
  EXPECT_EQ(msg.tool_calls[0].id, "call_0");
  EXPECT_EQ(msg.tool_calls[0].name, "f");
  EXPECT_EQ(msg.tool_calls[0].arguments, "{}");
  EXPECT_EQ(msg.content, rest);
}

TEST(Stream, TextAfterEosIsContent) {
  StreamParser sp(false);
  AssistantMessage msg;
  for (const Delta& d : sp.feed("a" + kEos + "b")) apply_delta(msg, d);
  for (const Delta& d : sp.finish()) apply_delta(msg, d);
  EXPECT_EQ(msg.content, "ab");
}

TEST(Stream, LongContentStreamsInLinearTime) {
  StreamParser sp(false);
  std::string all;
  for (int i = 0; i < 200000; ++i) all += concat(sp.feed("word "), Delta::Kind::Content);
  all += concat(sp.feed(kEos), Delta::Kind::Content);
  EXPECT_EQ(all.size(), 1000000u);
  EXPECT_TRUE(sp.finish().empty());
}

TEST(Stream, UseAfterFinishThrows) {
  StreamParser sp(false);
  sp.finish();
  EXPECT_THROW(sp.feed("x"), dseek::Error);
  EXPECT_THROW(sp.finish(), dseek::Error);
}

}  // namespace
}  // namespace dseek::chat
