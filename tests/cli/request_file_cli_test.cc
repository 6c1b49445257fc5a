// --request-file takes the message forms the server takes (content as a list of text parts),
// and its errors name the file; `tokenize --text-file` names the file of invalid UTF-8.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "run_util.h"

namespace dseek::test {
namespace {

using nlohmann::json;

json request(const json& content) { return {{"messages", json::array({{{"role", "user"}, {"content", content}}})}}; }

TEST(RequestFileCli, TextPartsRenderLikeTheJoinedString) {
  const json parts = json::array({{{"type", "text"}, {"text", "Hello"}}, {{"type", "text"}, {"text", "there"}}});
  const RunResult a = run_dseek("template --request-file " + quote(write_temp("parts.json", request(parts).dump())));
  const RunResult b = run_dseek("template --request-file " + quote(write_temp("joined.json", request("Hello\nthere").dump())));
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("Hello\nthere"), std::string::npos) << a.out;
}

TEST(RequestFileCli, BadContentNamesTheFileAndTheForms) {
  const std::string file = write_temp("bad_content.json", request(5).dump());
  for (const char* cmd : {"template", "run -m " DSEEK_REPO_DIR "/models/nano-agent --max-tokens 1"}) {
    const RunResult r = run_dseek(std::string(cmd) + " --request-file " + quote(file));
    EXPECT_EQ(r.status, 1) << cmd;
    EXPECT_NE(r.err.find(file + ": messages[0].content must be a string or an array of text parts"), std::string::npos)
        << cmd << ": " << r.err;
  }
}

TEST(TokenizeCli, InvalidUtf8NamesTheFileAndOffset) {
  const std::string file = write_temp("bad_utf8.txt", std::string("abc\xff") + "def");
  const RunResult r = run_dseek("tokenize -m " + quote(repo_dir() + "/models/nano-agent") + " --text-file " + quote(file));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find(file + ": not valid UTF-8 (byte offset 3 in the file)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dseek::test
