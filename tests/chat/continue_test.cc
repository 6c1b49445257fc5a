// render_continuation / render_without_generation_prompt: the V3.2 prompt left open.
#include <gtest/gtest.h>

#include "chat/continue.h"
#include "chat/request.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

const std::string kHead = "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜>";

TEST(Continue, ContentInChatMode) {
  Json req = Json::parse(R"({"messages": [{"role": "user", "content": "hi"},
    {"role": "assistant", "content": "Hel", "reasoning_content": "dropped in chat mode"}]})");
  Continuation c = render_continuation(req, false);
  EXPECT_EQ(c.prompt, kHead + "</think>Hel");
  EXPECT_FALSE(c.in_reasoning);
}

TEST(Continue, ReasoningThenContentInThinkingMode) {
  Json req = Json::parse(R"({"messages": [{"role": "user", "content": "hi"},
    {"role": "assistant", "content": null, "reasoning_content": "Hmm"}]})");
  Continuation c = render_continuation(req, true);
  EXPECT_EQ(c.prompt, kHead + "<think>Hmm");
  EXPECT_TRUE(c.in_reasoning);
  req["messages"][1]["content"] = "Hel";
  c = render_continuation(req, true);
  EXPECT_EQ(c.prompt, kHead + "<think>Hmm</think>Hel");
  EXPECT_FALSE(c.in_reasoning);
}

TEST(Continue, TheClosedTurnIsTheContinuedOnePlusEos) {
  // Closing the continued text gives exactly what the encoder renders for the whole message.
  Json req = Json::parse(R"({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "hi"},
    {"role": "assistant", "content": "Hello", "reasoning_content": "R"}]})");
  for (bool thinking : {false, true})
    EXPECT_EQ(render_continuation(req, thinking).prompt + "<｜end▁of▁sentence｜>", render_request(req, thinking));
}

TEST(Continue, Refusals) {
  EXPECT_THROW(render_continuation(Json::parse(R"({"messages": [{"role": "user", "content": "hi"}]})"), false), Error);
  EXPECT_THROW(render_continuation(Json::parse(R"({"messages": [{"role": "assistant", "content": "x"}]})"), false), Error);
  EXPECT_THROW(render_continuation(Json::parse(R"({"messages": [{"role": "system", "content": "S"},
    {"role": "assistant", "content": "x"}]})"), false), Error);
  EXPECT_THROW(render_continuation(Json::parse(R"({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant",
    "content": "", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]}]})"), false), Error);
}

TEST(Continue, NoGenerationPrompt) {
  Json req = Json::parse(R"({"messages": [{"role": "user", "content": "hi"}]})");
  EXPECT_EQ(render_without_generation_prompt(req, true), "<｜begin▁of▁sentence｜><｜User｜>hi");
  EXPECT_EQ(render_without_generation_prompt(req, false) + "<｜Assistant｜></think>", render_request(req, false));
}

}  // namespace
}  // namespace dseek::chat
