// v4::StreamParser: for every split of a completion into chunks the deltas add up to
// v4::parse_completion's result (accepted texts) and to one and the same result (all texts):
// the parse vectors, every assistant turn of the encode vectors and the official prompts,
// and malformed texts.
#include <gtest/gtest.h>

#include <random>

#include "chat/v4/encode.h"
#include "chat/v4/parse.h"
#include "chat/v4/stream.h"
#include "runtime/error.h"
#include "v4_vectors.h"

namespace dseek::chat::v4 {
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

struct Completion {
  std::string name, text;
  bool thinking;
};

// Every split into two, byte by byte, and 100 random splits agree with the whole text fed
// at once, which agrees with parse_completion when that accepts the text.
void check_every_split(const Completion& c) {
  SCOPED_TRACE(c.name);
  const nlohmann::json whole = streamed(c.text, c.thinking, {});
  bool accepted = true;
  AssistantMessage parsed;
  try {
    parsed = parse_completion(c.text, c.thinking);
  } catch (const dseek::Error&) {
    accepted = false;
  }
  if (accepted) {
    ASSERT_EQ(whole, nlohmann::json(parsed.to_openai()));
  }
  for (size_t cut = 0; cut <= c.text.size(); ++cut) ASSERT_EQ(streamed(c.text, c.thinking, {cut}), whole) << "cut " << cut;
  std::vector<size_t> bytes;
  for (size_t i = 1; i < c.text.size(); ++i) bytes.push_back(i);
  ASSERT_EQ(streamed(c.text, c.thinking, bytes), whole) << "byte by byte";
  std::mt19937 rng(4242);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<size_t> cuts;
    for (size_t at = 1 + rng() % 12; at < c.text.size(); at += 1 + rng() % 12) cuts.push_back(at);
    ASSERT_EQ(streamed(c.text, c.thinking, cuts), whole) << "trial " << trial;
  }
}

// The completions of a prompt: after each "<｜Assistant｜><think>" / "<｜Assistant｜></think>",
// up to and including the next EOS.
void add_turns(const std::string& name, const std::string& prompt, std::vector<Completion>& out) {
  const std::string assistant = "<｜Assistant｜>";
  for (size_t at = prompt.find(assistant); at != std::string::npos; at = prompt.find(assistant, at + 1)) {
    size_t start = at + assistant.size();
    bool thinking = prompt.compare(start, 7, "<think>") == 0;
    if (thinking) {
      start += 7;
    } else if (prompt.compare(start, 8, "</think>") == 0) {
      start += 8;
    } else {
      continue;  // a task token follows
    }
    size_t eos = prompt.find(kEos, start);
    if (eos == std::string::npos) continue;
    out.push_back({name + "@" + std::to_string(start), prompt.substr(start, eos + kEos.size() - start), thinking});
  }
}

TEST(StreamV4, ParseVectorsOnEverySplit) {
  std::vector<Json> cases = test::load_jsonl("parse.jsonl");
  ASSERT_EQ(cases.size(), 12u);
  for (const Json& c : cases) {
    check_every_split({c["id"].get<std::string>(), c["text"].get<std::string>(), c["thinking_mode"] == "thinking"});
  }
}

TEST(StreamV4, EncodedAssistantTurnsOnEverySplit) {
  std::vector<Completion> turns;
  for (const Json& c : test::load_jsonl("encode.jsonl")) {
    if (c.contains("output")) add_turns(c["id"].get<std::string>(), c["output"].get<std::string>(), turns);
  }
  for (int n = 1; n <= 4; ++n) {
    add_turns("official" + std::to_string(n),
              test::read_text(test::vector_path("official_tests/test_output_" + std::to_string(n) + ".txt")), turns);
  }
  size_t with_calls = 0;
  for (const Completion& c : turns) {
    with_calls += c.text.find("<｜DSML｜tool_calls>") != std::string::npos;
    check_every_split(c);
  }
  EXPECT_GE(turns.size(), 20u);
  EXPECT_GE(with_calls, 10u);
}

TEST(StreamV4, MalformedTextsOnEverySplit) {
  const std::string block = "\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"f\">\n";
  const std::string param = "<｜DSML｜parameter name=\"a\" string=\"false\">not json</｜DSML｜parameter>\n";
  const std::vector<Completion> texts = {
      {"no eos", "plain answer", false},
      {"no think close", "reasoning only" + kEos, true},
      {"truncated param", "x" + block + "<｜DSML｜parameter name=\"a\" string=\"true\">v", false},
      {"bad header", "x\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"f\" >\n</｜DSML｜invoke>\n</｜DSML｜tool_calls>" + kEos, false},
      {"duplicate", "x" + block + param + param + "</｜DSML｜invoke>\n</｜DSML｜tool_calls>" + kEos, false},
      {"after block", "x" + block + param + "</｜DSML｜invoke>\n</｜DSML｜tool_calls>tail" + kEos, false},
      {"after eos", "done" + kEos + "more", false},
      {"leaked think", "a</think>b" + kEos, false},
      {"v3.2 block", "x\n\n<｜DSML｜function_calls>\n</｜DSML｜function_calls>" + kEos, false},
      {"verbatim value", "r</think>" + block + param + "</｜DSML｜invoke>\n</｜DSML｜tool_calls>" + kEos, true},
  };
  for (const Completion& c : texts) check_every_split(c);
}

TEST(StreamV4, ToolCallComesOutWholeWithVerbatimArguments) {
  StreamParser sp(false, "call_");
  std::vector<Delta> ds = sp.feed("Hi\n\n<｜DSML｜tool_calls>\n<｜DSML｜invoke name=\"f\">\n");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].text, "Hi");
  EXPECT_TRUE(sp.feed("<｜DSML｜parameter name=\"n\" string=\"false\">nope</｜DSML｜parameter>\n</｜DSML｜inv").empty());
  ds = sp.feed("oke>\n</｜DSML｜tool_calls>" + kEos);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].kind, Delta::Kind::ToolCallStart);
  EXPECT_EQ(ds[0].id, "call_0");
  EXPECT_EQ(ds[0].name, "f");
  EXPECT_EQ(ds[1].kind, Delta::Kind::ToolCallArgs);
  EXPECT_EQ(ds[1].text, "{\"n\": nope}");
  EXPECT_TRUE(sp.finish().empty());
}

}  // namespace
}  // namespace dseek::chat::v4
