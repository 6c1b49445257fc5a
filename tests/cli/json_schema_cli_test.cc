// `dseek run --json-schema FILE` / `--json` on the built-in model: the answer on stdout is JSON
// the schema accepts (checked with Debian's valijson), in chat and thinking mode; a schema the
// grammar cannot compile is an error naming the keyword.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "valijson_check.h"

#include "run_util.h"

namespace dseek::test {
namespace {

using json = nlohmann::json;

const char* kSchema = R"({"type": "object", "properties": {
  "answer": {"type": "string", "maxLength": 16}, "steps": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
  "sure": {"enum": ["yes", "no"]}}, "required": ["answer", "steps", "sure"], "additionalProperties": false})";

// stdout without its final newline.
json parsed_answer(const RunResult& r) {
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return json::parse(out);
}

TEST(JsonSchemaCli, RunPrintsValidJson) {
  const std::string schema = write_temp("answer_schema.json", kSchema);
  for (const char* mode : {"", " --think"}) {
    SCOPED_TRACE(mode);
    RunResult r = run_dseek("run -p 'What is 12 * 34?' --temperature 0 --max-tokens 400 --json-schema " + quote(schema) + mode);
    ASSERT_EQ(r.status, 0) << r.err;
    json doc;
    ASSERT_NO_THROW(doc = parsed_answer(r)) << r.out;
    EXPECT_TRUE(validates(json::parse(kSchema), doc)) << r.out;
    EXPECT_NE(r.err.find("| stop]"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("not well-formed"), std::string::npos) << r.err;  // the turn ends with EOS
    if (*mode) {
      EXPECT_NE(r.err.find("[reasoning]"), std::string::npos) << r.err;  // reasoning apart, on stderr
    }
  }
}

// Any object: the built-in model never closes a string on its own, so the answer is the start
// of an object cut at --max-tokens (unconstrained it starts with plain text).
TEST(JsonSchemaCli, JsonFlagStartsAnObject) {
  RunResult r = run_dseek("run -p 'Who are you?' --temperature 0 --max-tokens 20 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"", 0), 0u) << r.out;
  EXPECT_NE(r.err.find("| length]"), std::string::npos) << r.err;
  RunResult free = run_dseek("run -p 'Who are you?' --temperature 0 --max-tokens 20");
  EXPECT_NE(free.out.rfind("{", 0), 0u) << free.out;
  RunResult both = run_dseek("run -p Hi --json --json-schema x.json");
  EXPECT_EQ(both.status, 1);
  EXPECT_NE(both.err.find("--json-schema or --json"), std::string::npos) << both.err;
}

TEST(JsonSchemaCli, UnsupportedKeywordIsAnError) {
  const std::string schema = write_temp("pattern_schema.json", R"({"type": "string", "pattern": "^(?=a)a+$"})");
  RunResult r = run_dseek("run -p Hi --json-schema " + quote(schema));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("pattern"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pattern_schema.json"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

}  // namespace
}  // namespace dseek::test
