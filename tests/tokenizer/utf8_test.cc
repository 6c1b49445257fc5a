// Lossy UTF-8 decoding (maximal subpart rule) and the streaming split point.
#include "tokenizer/utf8.h"

#include <gtest/gtest.h>

namespace dseek::utf8 {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string lossy(std::string_view s) {
  std::string out;
  append_lossy(s, out);
  return out;
}

TEST(Utf8, ValidTextPassesThrough) {
  const std::string text = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";  // a é 中 😀
  EXPECT_EQ(lossy(text), text);
  EXPECT_EQ(valid_prefix(text), text.size());
  EXPECT_EQ(lossy(std::string("\0x", 2)), std::string("\0x", 2));
}

TEST(Utf8, MaximalSubparts) {
  EXPECT_EQ(lossy("\xE3\x90"), kFffd);                     // truncated 3-byte: one
  EXPECT_EQ(lossy("\x80\x80"), kFffd + kFffd);             // stray continuations: one each
  EXPECT_EQ(lossy("\xE3\x90x"), kFffd + "x");              // truncated, then ASCII
  EXPECT_EQ(lossy("\xF0\x9F\x98"), kFffd);                 // truncated 4-byte: one
  EXPECT_EQ(lossy("\xC0\xAF"), kFffd + kFffd);             // overlong lead: each byte
  EXPECT_EQ(lossy("\xE0\x80\x80"), kFffd + kFffd + kFffd); // E0 needs A0..BF
  EXPECT_EQ(lossy("\xED\xA0\x80"), kFffd + kFffd + kFffd); // surrogate
  EXPECT_EQ(lossy("\xF4\x90\x80\x80"), std::string() + kFffd + kFffd + kFffd + kFffd);
  EXPECT_EQ(lossy("\xF5"), kFffd);
  EXPECT_EQ(lossy("\xE4\xB8\xE4\xB8\xAD"), kFffd + "\xE4\xB8\xAD");
  // The Unicode standard's example (Table 3-8): 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
  EXPECT_EQ(lossy("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
  EXPECT_EQ(valid_prefix("ab\xE3\x90"), 2u);
}

TEST(Utf8, StablePrefixHoldsOnlyAnIncompleteTail) {
  EXPECT_EQ(stable_prefix("abc"), 3u);
  EXPECT_EQ(stable_prefix("ab\xE4\xB8"), 2u);
  EXPECT_EQ(stable_prefix("ab\xF0\x9F\x98"), 2u);
  EXPECT_EQ(stable_prefix("\x80"), 1u);        // already invalid: final
  EXPECT_EQ(stable_prefix("\xE4\x41"), 2u);    // broken by the A: final
  EXPECT_EQ(stable_prefix("\xE0\x80"), 2u);    // E0 80 can never complete
  EXPECT_EQ(stable_prefix(""), 0u);
}

TEST(Utf8, EncodeCodePoint) {
  std::string s;
  for (char32_t c : {U'A', U'\u00E9', U'\u4E2D', U'\U0001F600'}) append_code_point(c, s);
  EXPECT_EQ(s, "A\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace dseek::utf8
