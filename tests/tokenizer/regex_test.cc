// Oniguruma -> PCRE2 translation and the compiled pre-tokenizer splits.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tokenizer/pretokenize.h"
#include "tokenizer/regex_translate.h"
#include "tokenizer/utf8.h"

namespace dseek {
namespace {

bool full_match(const std::string& onig, const std::string& text) {
  Regex re("^(?:" + onig_to_pcre2(onig) + ")$");
  Span m{};
  return re.find(text, 0, m) && m.begin == 0 && m.end == text.size();
}

std::string u8(char32_t c) {
  std::string s;
  utf8::append_code_point(c, s);
  return s;
}

TEST(RegexTranslate, SpaceIsUnicodeWhiteSpace) {
  for (char32_t c : {U'\t', U'\n', U'\v', U'\f', U'\r', U' ', U'\u0085', U'\u00A0', U'\u1680',
                     U'\u2000', U'\u200A', U'\u2028', U'\u2029', U'\u202F', U'\u205F', U'\u3000'}) {
    EXPECT_TRUE(full_match("\\s", u8(c))) << std::hex << static_cast<uint32_t>(c);
    EXPECT_FALSE(full_match("\\S", u8(c))) << std::hex << static_cast<uint32_t>(c);
    EXPECT_TRUE(full_match("[x\\s]", u8(c))) << std::hex << static_cast<uint32_t>(c);
  }
  // PCRE2's own \s also takes U+180E; Oniguruma (and Unicode White_Space) do not.
  for (char32_t c : {U'\u180E', U'\u200B', U'\uFEFF', U'a'}) {
    EXPECT_FALSE(full_match("\\s", u8(c))) << std::hex << static_cast<uint32_t>(c);
    EXPECT_TRUE(full_match("\\S", u8(c))) << std::hex << static_cast<uint32_t>(c);
  }
}

TEST(RegexTranslate, WordHexAndEscapes) {
  EXPECT_TRUE(full_match("\\w+", "a\u0301_9\u0663"));   // marks and all numbers count
  EXPECT_TRUE(full_match("\\h+", "09afAF"));
  EXPECT_FALSE(full_match("\\h", " "));
  EXPECT_TRUE(full_match("\\u00e9", "\u00e9"));
  EXPECT_TRUE(full_match("\\bab\\b", "ab"));
  EXPECT_TRUE(full_match("[\\[\\]\\\\-]+", "[]\\-"));
  EXPECT_TRUE(full_match("[]a]+", "]a"));
  EXPECT_TRUE(full_match("[[:digit:]]+", "12"));
  EXPECT_THROW(onig_to_pcre2("[a[b]]"), std::invalid_argument);
  EXPECT_THROW(onig_to_pcre2("[a&&b]"), std::invalid_argument);
  EXPECT_THROW(onig_to_pcre2("[\\S]"), std::invalid_argument);
  EXPECT_THROW(Regex("(a"), std::invalid_argument);
}

TEST(RegexTranslate, CategoriesIncludeUnicode16Additions) {
  EXPECT_TRUE(full_match("\\p{S}", u8(U'\U0001FA77')));   // emoji 15.0
  EXPECT_TRUE(full_match("\\p{L}", u8(U'\u1C89')));       // 16.0
  EXPECT_TRUE(full_match("\\p{L}", u8(U'\U0002EBF0')));   // CJK Extension I, 15.1
  EXPECT_TRUE(full_match("\\p{M}", u8(U'\U00011F00')));   // 15.0
  EXPECT_TRUE(full_match("\\p{N}", u8(U'\U00010D40')));   // 16.0
  EXPECT_TRUE(full_match("\\p{P}", u8(U'\u1B4E')));       // 16.0
  EXPECT_TRUE(full_match("\\pS", u8(U'\U0001FA77')));
  EXPECT_TRUE(full_match("\\p{Lu}", "A"));  // other properties pass through
  EXPECT_FALSE(full_match("\\P{S}", u8(U'\U0001FA77')));
  EXPECT_FALSE(full_match("\\p{^S}", u8(U'\U0001FA77')));
  EXPECT_FALSE(full_match("[^\\p{L}\\p{S}]", u8(U'\U0001FA77')));
  EXPECT_TRUE(full_match("[^\\p{L}\\p{S}]", u8(U'\u0600')));  // Cf stays outside
  EXPECT_TRUE(full_match("\\w", u8(U'\u1C89')));
  EXPECT_FALSE(full_match("\\p{S}", u8(U'\u20C1')));  // Unicode 17.0: not yet, as in HF
  EXPECT_THROW(onig_to_pcre2("[\\P{L}]"), std::invalid_argument);
}

TEST(RegexTranslate, LineAnchorsAreMultiline) {
  Regex re(onig_to_pcre2("^b$"));
  Span m{};
  ASSERT_TRUE(re.find("a\nb\nc", 0, m));
  EXPECT_EQ(m.begin, 2u);
  EXPECT_EQ(m.end, 3u);
}

TEST(PreTokenizer, IsolatedSplitsCoverTheText) {
  PreTokenizer pre;
  pre.add_split("\\p{N}{1,3}");
  pre.add_split("\\s+(?!\\S)|\\s+");
  const std::string text = "ab 1234567  cd ";
  std::vector<Span> spans;
  pre.run(text, spans);
  std::vector<std::string> pieces;
  for (const Span& s : spans) pieces.push_back(text.substr(s.begin, s.end - s.begin));
  // Digits go in threes from the left; then in "  cd " the (?!\S) rule leaves the space
  // before the word on its own, and the final space, at the subject's end, matches too.
  EXPECT_EQ(pieces, (std::vector<std::string>{"ab", " ", "123", "456", "7", " ", " ", "cd", " "}));
}

}  // namespace
}  // namespace dseek
