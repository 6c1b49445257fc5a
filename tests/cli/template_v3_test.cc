// `dseek template --chat-format v3 | v3.1`: the encode vectors of chat-v3 / chat-v3.1 (request
// body = messages, tools, add_generation_prompt, chat_template_kwargs) give the exact prompt
// or an error; the parse vectors give the parsed message or a rejection; --served writes the
// tools into the system prompt; --think conflicts are refused.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_util.h"

namespace dseek::test {
namespace {

using ojson = nlohmann::ordered_json;

std::vector<ojson> read_jsonl(const std::string& dir, const std::string& name) {
  std::vector<ojson> out;
  std::ifstream in(data_path("vectors/" + dir + "/" + name));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(ojson::parse(line));
  }
  return out;
}

const std::pair<const char*, const char*> kFormats[] = {{"chat-v3", "v3"}, {"chat-v3.1", "v3.1"}};

TEST(TemplateV3Cli, EncodeVectors) {
  int checked = 0;
  for (auto [dir, format] : kFormats) {
    for (const ojson& v : read_jsonl(dir, "encode.jsonl")) {
      ojson body = v["input"];
      body["chat_template_kwargs"] = body["template_kwargs"];
      body.erase("template_kwargs");
      const std::string id = std::string(format) + " " + v["case_id"].get<std::string>();
      RunResult r = run_dseek(std::string("template --chat-format ") + format + " --request-file " +
                              quote(write_temp("v3req.json", body.dump())));
      if (v["expected"].contains("error")) {
        EXPECT_EQ(r.status, 1) << id << " should be rejected";
        EXPECT_NE(r.err.find("messages["), std::string::npos) << id << ": " << r.err;
      } else {
        ASSERT_EQ(r.status, 0) << id << ": " << r.err;
        EXPECT_EQ(r.out, v["expected"]["prompt"].get<std::string>()) << id;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 49 + 53);
}

TEST(TemplateV3Cli, ParseVectors) {
  int checked = 0;
  for (auto [dir, format] : kFormats) {
    for (const ojson& v : read_jsonl(dir, "parse.jsonl")) {
      const std::string id = std::string(format) + " " + v["case_id"].get<std::string>();
      RunResult r = run_dseek(std::string("template --chat-format ") + format + " --parse-file " +
                              quote(write_temp("v3c.txt", v["input"]["text"].get<std::string>())) +
                              (v["input"]["thinking_mode"] == "thinking" ? " --think" : ""));
      ++checked;
      if (v["expected"].contains("error")) {
        EXPECT_EQ(r.status, 1) << id << " should be rejected";
        EXPECT_NE(r.err.find(v["expected"]["error"]["message"].get<std::string>()), std::string::npos) << id << ": " << r.err;
        continue;
      }
      ASSERT_EQ(r.status, 0) << id << ": " << r.err;
      EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json(v["expected"]["message"])) << id;
    }
  }
  EXPECT_EQ(checked, 42 + 46);
}

TEST(TemplateV3Cli, ServedPromptThinkFlagAndFormatChoice) {
  const std::string req = write_temp("v3tools.json", R"({"messages": [{"role": "user", "content": "hi"}],
      "tools": [{"type": "function", "function": {"name": "calc", "description": "Arithmetic.",
                 "parameters": {"type": "object", "properties": {"e": {"type": "string"}}}}}]})");
  // The template ignores tools; --served writes them into the system prompt.
  RunResult plain = run_dseek("template --chat-format v3.1 --request-file " + quote(req));
  ASSERT_EQ(plain.status, 0) << plain.err;
  EXPECT_EQ(plain.out, "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜></think>");
  RunResult served = run_dseek("template --chat-format v3.1 --served --think --request-file " + quote(req));
  ASSERT_EQ(served.status, 0) << served.err;
  EXPECT_EQ(served.out.rfind("<｜begin▁of▁sentence｜>## Tools\nYou have access to the following tools:\n\n### calc\n"
                             "Description: Arithmetic.\n\nParameters: {\"type\": \"object\", \"properties\": {\"e\": "
                             "{\"type\": \"string\"}}}\n\nIMPORTANT:",
                             0),
            0u)
      << served.out;
  EXPECT_TRUE(served.out.ends_with("<｜User｜>hi<｜Assistant｜><think>")) << served.out;
  RunResult v3 = run_dseek("template --chat-format v3 --served --request-file " + quote(req));
  ASSERT_EQ(v3.status, 0) << v3.err;
  EXPECT_NE(v3.out.find("function<｜tool▁sep｜>tool_call_name\n```json\n"), std::string::npos) << v3.out;
  EXPECT_TRUE(v3.out.ends_with("<｜User｜>hi<｜Assistant｜>")) << v3.out;
  // --think against the body's chat_template_kwargs; V3 has no thinking to parse.
  const std::string off = write_temp("v31off.json", R"({"messages": [{"role": "user", "content": "hi"}],
                                                        "chat_template_kwargs": {"thinking": false}})");
  RunResult clash = run_dseek("template --chat-format v3.1 --think --request-file " + quote(off));
  EXPECT_EQ(clash.status, 1);
  EXPECT_NE(clash.err.find("chat_template_kwargs"), std::string::npos) << clash.err;
  RunResult v3think = run_dseek("template --chat-format v3 --think --parse-file " + quote(write_temp("v3t.txt", "a</think>b")));
  EXPECT_EQ(v3think.status, 1);
  EXPECT_NE(v3think.err.find("no thinking mode"), std::string::npos) << v3think.err;
  // An unknown format is a command-line error that lists the formats.
  RunResult bad = run_dseek("template --chat-format v3.5 --request-file " + quote(req));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("v3.1"), std::string::npos) << bad.err;
  EXPECT_EQ(run_dseek("run --chat-format v2 -p hi").status, 2);
}

}  // namespace
}  // namespace dseek::test
