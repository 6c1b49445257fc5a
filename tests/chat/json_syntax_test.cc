// is_json_text: RFC 8259 syntax, the test for keeping a string="false" value verbatim.
#include <gtest/gtest.h>

#include <string>

#include "chat/json_syntax.h"

namespace dseek::chat {
namespace {

TEST(JsonSyntax, Accepts) {
  for (const char* t : {"0", "-0", "1.5", "1e400", "-1E-5", "1e+2", "12345678901234567890123", "true", "false", "null",
                        "\"\"", "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud800\"", "[]", "{}", " [1, [2, {}], {\"a\": []}] ",
                        "{\"a\":{\"b\":[true,null]},\"c\":\"é\"}", "\n\t\r 5 \n"}) {
    EXPECT_TRUE(is_json_text(t)) << t;
  }
  EXPECT_TRUE(is_json_text(std::string(100000, '[') + std::string(100000, ']')));
}

TEST(JsonSyntax, Rejects) {
  for (const char* t : {"", " ", "NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1", "1e", "-", "tru", "nul",
                        "'a'", "\"a", "\"\\x\"", "\"\\u12\"", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "[1 2]",
                        "1 2", "[", "]", "{\"a\":}", "not json", "\"a\nb\""}) {
    EXPECT_FALSE(is_json_text(t)) << t;
  }
}

}  // namespace
}  // namespace dseek::chat
