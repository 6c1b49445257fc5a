// `dseek template --chat-format v4`: the encode vectors of chat-v4 (request body = messages +
// the encoder's keyword arguments as top-level fields) give the exact prompt or the
// reference's error; the parse vectors give the parsed message or a rejection; bad values of
// --chat-format are command-line errors.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "run_util.h"

namespace dseek::test {
namespace {

using ojson = nlohmann::ordered_json;

std::vector<ojson> read_v4_jsonl(const std::string& name) {
  std::vector<ojson> out;
  std::ifstream in(data_path("vectors/chat-v4/" + name));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(ojson::parse(line));
  }
  return out;
}

// "AssertionError: Invalid task: 'x'. Valid tasks are: [...]" -> "Invalid task: 'x'".
std::string reason(const std::string& error) {
  std::string s = error.substr(error.find(": ") + 2);
  return s.substr(0, s.find(". Valid tasks are:"));
}

TEST(TemplateV4Cli, EncodeVectors) {
  int checked = 0;
  for (const ojson& v : read_v4_jsonl("encode.jsonl")) {
    ojson body = v["kwargs"];  // thinking_mode, reasoning_effort, drop_thinking, add_default_bos_token, context
    body["messages"] = v["messages"];
    const std::string id = v["id"];
    RunResult r = run_dseek("template --chat-format v4 --request-file " + quote(write_temp("v4req.json", body.dump())));
    if (v.contains("error")) {
      EXPECT_EQ(r.status, 1) << id << " should be rejected";
      EXPECT_NE(r.err.find(reason(v["error"])), std::string::npos) << id << ": " << r.err;
    } else {
      ASSERT_EQ(r.status, 0) << id << ": " << r.err;
      EXPECT_EQ(r.out, v["output"].get<std::string>()) << id;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 35);
}

TEST(TemplateV4Cli, ParseVectors) {
  int checked = 0;
  for (const ojson& v : read_v4_jsonl("parse.jsonl")) {
    const std::string id = v["id"];
    RunResult r = run_dseek("template --chat-format v4 --parse-file " + quote(write_temp("v4c.txt", v["text"].get<std::string>())) +
                            (v["thinking_mode"] == "thinking" ? " --think" : ""));
    ++checked;
    if (v.contains("error")) {
      EXPECT_EQ(r.status, 1) << id << " should be rejected";
      EXPECT_NE(r.err.find(reason(v["error"])), std::string::npos) << id << ": " << r.err;
      continue;
    }
    ASSERT_EQ(r.status, 0) << id << ": " << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json(v["parsed"])) << id;
  }
  EXPECT_EQ(checked, 12);
}

TEST(TemplateV4Cli, ThinkFlagAndFormatChoice) {
  const std::string req = write_temp("v4think.json", R"({"messages": [{"role": "user", "content": "hi"}]})");
  RunResult think = run_dseek("template --chat-format v4 --think --request-file " + quote(req));
  ASSERT_EQ(think.status, 0) << think.err;
  EXPECT_EQ(think.out, "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜><think>");
  // The default format stays V3.2 (the same text here, but its own encoder).
  RunResult v32 = run_dseek("template --think --request-file " + quote(req));
  ASSERT_EQ(v32.status, 0) << v32.err;
  EXPECT_EQ(v32.out, think.out);
  // A latest_reminder is V4's: V3.2 rejects the role.
  const std::string rem = write_temp("v4rem.json", R"({"messages": [{"role": "latest_reminder", "content": "today"},
                                                                     {"role": "user", "content": "hi"}]})");
  EXPECT_EQ(run_dseek("template --request-file " + quote(rem)).status, 1);
  RunResult r = run_dseek("template --chat-format v4 --request-file " + quote(rem));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "<｜begin▁of▁sentence｜><｜latest_reminder｜>today<｜User｜>hi<｜Assistant｜></think>");
  // --think against the body's own thinking_mode.
  const std::string chat = write_temp("v4chat.json", R"({"thinking_mode": "chat", "messages": [{"role": "user", "content": "hi"}]})");
  RunResult clash = run_dseek("template --chat-format v4 --think --request-file " + quote(chat));
  EXPECT_EQ(clash.status, 1);
  EXPECT_NE(clash.err.find("thinking_mode"), std::string::npos) << clash.err;
  // An unknown format is a command-line error.
  RunResult bad = run_dseek("template --chat-format v5 --request-file " + quote(req));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--chat-format"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("v4"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace dseek::test
