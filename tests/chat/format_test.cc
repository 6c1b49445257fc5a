// chat/format.h: the detection rule on what V3, V3-0324, V3.1, V3.2, V3.2-Speciale and V4
// checkpoints ship, format names, and the per-format dispatch (completion_thinking above all).
#include <gtest/gtest.h>

#include "chat/format.h"
#include "chat/parse.h"
#include "chat/v3/v3.h"
#include "chat/v3_1/v3_1.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

// Excerpts that carry each template's distinguishing strings.
const std::string kV3Template =  // DeepSeek-V3 (Dec 2024) and V3-0324
    "{%- if message['role'] == 'user' %}{{'<｜User｜>' + message['content']}}{%- endif %}"
    "{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>'}}";
const std::string kV31Template =  // DeepSeek-V3.1 / V3.1-Terminus
    "{%- if ns.is_last_user -%}{{'<｜Assistant｜></think>'}}{%- endif -%}"
    "{{'<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>'+ tool['function']['name'] + '<｜tool▁sep｜>'}}";
const std::string kDsmlTemplate = "{%- set dsml_token = \"｜DSML｜\" -%}<｜User｜>{{ message.content }}<｜Assistant｜>";

FormatChoice detect(const std::string& model_type, const std::string& tmpl, const std::string& name = "model") {
  return detect_format({model_type, tmpl, "tokenizer_config.json", name});
}

TEST(DetectFormat, WhatEachGenerationShips) {
  EXPECT_EQ(detect("deepseek_v3", kV3Template).format, Format::V3);
  EXPECT_EQ(detect("deepseek_v3", kV31Template).format, Format::V3_1);
  EXPECT_EQ(detect("deepseek_v32", kV31Template).format, Format::V3_1);  // a V3.2 model shipping V3.1's template
  EXPECT_EQ(detect("deepseek_v32", "").format, Format::V3_2);            // V3.2, V3.2-Speciale: no template
  EXPECT_EQ(detect("deepseek_v32", kDsmlTemplate).format, Format::V3_2);
  EXPECT_EQ(detect("deepseek_v3", "").format, Format::V3);
  EXPECT_EQ(detect("deepseek_v4", kV3Template).format, Format::V4);  // model_type first
  EXPECT_EQ(detect("", "{{ messages }}").format, Format::V3_2);      // not a DeepSeek template
  EXPECT_EQ(detect("deepseek_v3", "{{ messages }}").format, Format::V3);
  // The reason names the evidence.
  EXPECT_NE(detect("deepseek_v3", kV31Template).reason.find("tokenizer_config.json"), std::string::npos);
  EXPECT_NE(detect("deepseek_v32", "").reason.find("no chat template"), std::string::npos);
}

TEST(DetectFormat, SpecialeByNameHasNoToolCalling) {
  EXPECT_TRUE(detect("deepseek_v32", "", "DeepSeek-V3.2").tool_calls);
  const FormatChoice s = detect("deepseek_v32", "", "DeepSeek-V3.2-Speciale");
  EXPECT_EQ(s.format, Format::V3_2);
  EXPECT_FALSE(s.tool_calls);
  EXPECT_NE(s.reason.find("Speciale"), std::string::npos);
  EXPECT_FALSE(detect("deepseek_v32", "", "x / deepseek-v3.2-SPECIALE-gguf").tool_calls);
}

TEST(FormatNames, RoundTripAndUnknown) {
  for (Format f : {Format::V3, Format::V3_1, Format::V3_2, Format::V4}) EXPECT_EQ(format_from_name(format_name(f)), f);
  try {
    format_from_name("v5");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("v3.1"), std::string::npos) << e.what();
  }
}

TEST(FormatDispatch, ThinkingOnlyWhereThePromptOpensIt) {
  const Json user = Json::parse(R"({"messages": [{"role": "user", "content": "q"}]})");
  const Json after_tool = Json::parse(R"({"messages": [{"role": "user", "content": "q"},
      {"role": "assistant", "content": null, "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{}"}}]},
      {"role": "tool", "content": "r"}]})");
  const std::string p31 = render_in(Format::V3_1, user, true);
  EXPECT_TRUE(completion_thinking(Format::V3_1, p31, true));
  const std::string p31_tool = render_in(Format::V3_1, after_tool, true);
  EXPECT_TRUE(p31_tool.ends_with("r<｜tool▁output▁end｜>")) << p31_tool;
  EXPECT_FALSE(completion_thinking(Format::V3_1, p31_tool, true));
  EXPECT_FALSE(completion_thinking(Format::V3_1, render_in(Format::V3_1, user, false), false));
  EXPECT_FALSE(completion_thinking(Format::V3, render_in(Format::V3, user, true), true));  // V3: no thinking mode
  EXPECT_EQ(render_in(Format::V3, user, true), render_in(Format::V3, user, false));
  EXPECT_TRUE(completion_thinking(Format::V3_2, "x", true));
  // Each format's parser and stream parser: a V3 call is a tool call only in V3's format.
  const std::string v3call =
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{\"a\": 1}\n```<｜tool▁call▁end｜>"
      "<｜tool▁calls▁end｜><｜end▁of▁sentence｜>";
  EXPECT_EQ(parse_in(Format::V3, v3call, false).tool_calls.at(0).arguments, "{\"a\": 1}");
  EXPECT_THROW(parse_in(Format::V3_1, v3call, false), Error);
  const AssistantMessage v32 = parse_in(Format::V3_2, v3call, false);  // plain text to V3.2
  EXPECT_TRUE(v32.tool_calls.empty());
  EXPECT_EQ(v32.content + "<｜end▁of▁sentence｜>", v3call);
  auto sp = stream_parser_in(Format::V3, false, "id_");
  AssistantMessage m;
  for (const Delta& d : sp->feed(v3call)) apply_delta(m, d);
  for (const Delta& d : sp->finish()) apply_delta(m, d);
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].id, "id_0");
}

}  // namespace
}  // namespace dseek::chat
