// strip_chat_markup: special markers, DSML tags and thinking tags go, the text between stays,
// and text that only looks like markup is kept.
#include <gtest/gtest.h>

#include "agent/markup.h"

namespace dseek::agent {
namespace {

TEST(StripChatMarkup, RemovesSpecialMarkers) {
  EXPECT_EQ(strip_chat_markup("Hello.<｜end▁of▁sentence｜>"), "Hello.");
  EXPECT_EQ(strip_chat_markup("<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜></think>yo"), "hiyo");
  EXPECT_EQ(strip_chat_markup("a<think>b</think>c"), "abc");
  // V3's tool-call markers: the name and the JSON stay readable.
  EXPECT_EQ(strip_chat_markup("<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>calc\n{}"
                              "<｜tool▁call▁end｜><｜tool▁calls▁end｜>"),
            "functioncalc\n{}");
}

TEST(StripChatMarkup, RemovesDsmlTags) {
  const std::string block =
      "Let me compute.\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"calculator\">\n"
      "<｜DSML｜parameter name=\"expression\" string=\"true\">1+2</｜DSML｜parameter>\n"
      "</｜DSML｜invoke>\n</｜DSML｜function_calls><｜end▁of▁sentence｜>";
  EXPECT_EQ(strip_chat_markup(block), "Let me compute.\n\n\n\n1+2\n\n");
  // Cut off inside a tag: not markup the format wrote in full, left as is.
  EXPECT_EQ(strip_chat_markup("x <｜DSML｜invoke name=\"calc"), "x <｜DSML｜invoke name=\"calc");
}

TEST(StripChatMarkup, KeepsOrdinaryText) {
  for (const std::string s : {"a < b and c > d", "<b>bold</b>", "<｜>", "<｜ not a marker ｜>", "｜DSML｜ in prose",
                              "x <｜unterminated", "</｜end▁of▁sentence｜>", "html <think about it>", ""})
    EXPECT_EQ(strip_chat_markup(s), s) << s;
}

}  // namespace
}  // namespace dseek::agent
