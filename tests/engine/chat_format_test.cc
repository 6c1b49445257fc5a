// The chat format comes from the checkpoint (engine/chat_format.h): the built-in model and
// copies of it (symlinked weights) shipping V3's or V3.1's template, a V3.2-Speciale name, a
// malformed tokenizer_config.json; LocalEngine renders and parses in that format, takes
// --chat-format's override, and refuses tools for V3.2-Speciale.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "chat/v3/v3.h"
#include "chat/v3_1/v3_1.h"
#include "engine/causal_lm.h"
#include "engine/chat_format.h"
#include "engine/local_engine.h"
#include "runtime/error.h"
#include "test_paths.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

std::string nano() { return repo_dir() + "/models/nano-agent"; }

// A checkpoint dir `name` with nano-agent's weights and tokenizer (symlinks) and
// `tokenizer_config` as its tokenizer_config.json ("" for none).
std::string copy_of_nano(const std::string& name, const std::string& tokenizer_config) {
  const fs::path dir = fs::temp_directory_path() / ("dseek_fmt_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json"}) fs::create_symlink(fs::path(nano()) / f, dir / f);
  if (!tokenizer_config.empty()) std::ofstream(dir / "tokenizer_config.json") << tokenizer_config;
  return dir.string();
}

std::string config_with_template(const std::string& tmpl) {
  return nlohmann::json{{"add_bos_token", true}, {"chat_template", tmpl}}.dump();
}

const std::string kV31Template = "{%- if ns.is_last_user -%}{{'<｜Assistant｜></think>'}}{%- endif -%}";
const std::string kV3Template = "{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type']}}";

TEST(ChatFormat, FromWhatTheCheckpointShips) {
  auto info = [](const std::string& dir) { return CausalLm::load(dir, Numerics::Exact)->info(); };
  const LmInfo n = info(nano());
  EXPECT_EQ(n.chat_format, "v3.2");  // tokenizer_config.json without a template, model_type deepseek_v32
  EXPECT_TRUE(n.tool_calls);
  EXPECT_NE(n.chat_format_reason.find("no chat template"), std::string::npos) << n.chat_format_reason;
  const LmInfo v31 = info(copy_of_nano("v31", config_with_template(kV31Template)));
  EXPECT_EQ(v31.chat_format, "v3.1");
  EXPECT_NE(v31.chat_format_reason.find("tokenizer_config.json"), std::string::npos) << v31.chat_format_reason;
  EXPECT_EQ(info(copy_of_nano("v3", config_with_template(kV3Template))).chat_format, "v3");
  // A list of named templates: the "default" one.
  const std::string listed = nlohmann::json{{"chat_template", nlohmann::json::array({{{"name", "tool_use"}, {"template", kV3Template}},
                                                                                     {{"name", "default"}, {"template", kV31Template}}})}}
                                 .dump();
  EXPECT_EQ(info(copy_of_nano("listed", listed)).chat_format, "v3.1");
  // chat_template.jinja beside a config without one.
  const std::string jinja = copy_of_nano("jinja", "{}");
  std::ofstream(fs::path(jinja) / "chat_template.jinja") << kV3Template;
  EXPECT_EQ(info(jinja).chat_format, "v3");
  const LmInfo sp = info(copy_of_nano("DeepSeek-V3.2-Speciale", ""));
  EXPECT_EQ(sp.chat_format, "v3.2");
  EXPECT_FALSE(sp.tool_calls);
  // A tokenizer_config.json that is not JSON is named.
  const std::string bad = copy_of_nano("bad", "{\"chat_template\": ");
  try {
    CausalLm::load(bad, Numerics::Exact);
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
  }
}

nlohmann::ordered_json tool_request() {
  return nlohmann::ordered_json::parse(R"({"messages": [{"role": "user", "content": "12*34?"}],
      "tools": [{"type": "function", "function": {"name": "calculator", "description": "Arithmetic.",
                 "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}}}}]})");
}

// Two engines (loading the tokenizer dominates): a V3.2-Speciale copy shipping V3.1's template,
// and the built-in model told to speak V3.
TEST(ChatFormat, LocalEngineRendersInTheChosenFormatAndSpecialeRefusesTools) {
  GenerateOptions opt;
  opt.max_tokens = 2;
  opt.sampling.temperature = 0;
  auto body = tool_request();
  LocalEngine sp(copy_of_nano("nano-V3.2-Speciale", config_with_template(kV31Template)), Numerics::Exact);
  EXPECT_EQ(sp.lm().info().chat_format, "v3.1");
  EXPECT_FALSE(sp.lm().info().tool_calls);
  try {
    sp.complete(body, false, opt);
    FAIL() << "accepted tools";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("'nano-V3.2-Speciale'"), std::string::npos) << err.what();
    EXPECT_NE(std::string(err.what()).find("tool calling"), std::string::npos) << err.what();
  }
  auto no_tools = body;
  no_tools.erase("tools");
  Completion c = sp.complete(no_tools, true, opt);
  EXPECT_EQ(c.prompt_ids, sp.tokenizer().encode(chat::v3_1::render_request(no_tools, true)));
  EXPECT_TRUE(sp.tokenizer().decode(c.prompt_ids).ends_with("<｜Assistant｜><think>"));
  // --chat-format replaces the detected format.
  LocalEngine v3(nano(), Numerics::Exact, "v3");
  EXPECT_EQ(v3.lm().info().chat_format, "v3");
  EXPECT_EQ(v3.lm().info().chat_format_reason, "set by --chat-format");
  c = v3.complete(body, false, opt);
  EXPECT_EQ(c.prompt_ids, v3.tokenizer().encode(chat::v3::render_request(body)));
  EXPECT_NE(v3.tokenizer().decode(c.prompt_ids).find("### calculator\nDescription: Arithmetic."), std::string::npos);
  EXPECT_THROW(LocalEngine(nano(), Numerics::Exact, "v9"), Error);
}

}  // namespace
}  // namespace dseek::test
