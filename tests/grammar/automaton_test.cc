// The schema compiler and automaton on byte strings: for each keyword, outputs it must admit
// and outputs it must refuse (whole strings; the canonical format of grammar.h).
#include <gtest/gtest.h>

#include <string>

#include "grammar/automaton.h"
#include "grammar/grammar.h"

namespace dseek::grammar {
namespace {

bool matches(const std::shared_ptr<const Grammar>& g, const std::string& text) {
  Automaton a(g);
  const int32_t s = a.walk(a.start(), text);
  return s != Automaton::kDead && a.accepting(s);
}

struct Case {
  const char* schema;
  std::vector<std::string> good, bad;
};

void check(const Case& c) {
  auto g = Grammar::compile(std::string_view(c.schema));
  for (const auto& t : c.good) EXPECT_TRUE(matches(g, t)) << c.schema << " should admit " << t;
  for (const auto& t : c.bad) EXPECT_FALSE(matches(g, t)) << c.schema << " should refuse " << t;
}

TEST(GrammarAutomaton, Types) {
  check({R"({"type":"string"})", {R"("")", R"("a b")", R"("\n\"\\\u00e9")", "\"h\xC3\xA9\xF0\x9F\x98\x80\""},
         {R"(a)", R"("a)", "\"\x01\"", "\"\xC3\"", "\"\xED\xA0\x80\"", R"("\ud800")", R"("\x")", R"("a" )"}});
  check({R"({"type":"integer"})", {"0", "-7", "123456789012345678"}, {"01", "-0", "1.5", "1e3", "1234567890123456789", "+1"}});
  check({R"({"type":"number"})", {"0", "-0.5", "3.25e-10", "1E+99", "12"}, {".5", "1.", "1e", "1e100", "00", "--1"}});
  check({R"({"type":"boolean"})", {"true", "false"}, {"True", "1", "nul"}});
  check({R"({"type":"null"})", {"null"}, {"nul", "false"}});
  check({R"({"type":["integer","null"]})", {"5", "null"}, {"\"5\"", "true"}});
  check({R"({"type":"object"})", {"{}", R"({"a": 1})", R"({"a": [1, {"b": null}], "c": "d"})"},
         {R"({"a":1})", R"({ "a": 1})", "[]"}});
  check({R"({"type":"array"})", {"[]", "[1]", R"([1, "a", [true]])"}, {"[1,2]", "[ ]", "{}"}});
  check({R"({})", {"1", "\"x\"", "[]", "{}", "null"}, {"", "x"}});
  check({R"({"type":"string","nullable":true})", {R"("a")", "null"}, {"1"}});
}

TEST(GrammarAutomaton, ObjectsKeepDeclaredOrder) {
  const char* s = R"({"type":"object","properties":{"z":{"type":"integer"},"a":{"type":"string"},"m":{"type":"boolean"}},
                      "required":["z","m"]})";
  check({s, {R"({"z": 1, "a": "x", "m": true})", R"({"z": 1, "m": false})"},
         {R"({"a": "x", "z": 1, "m": true})", R"({"z": 1})", R"({"z": 1, "m": true, "q": 1})", R"({"z":1, "m": true})"}});
  // All optional: any subset in order, the empty object too.
  check({R"({"properties":{"a":{"const":1},"b":{"const":2}}})", {"{}", R"({"a": 1})", R"({"b": 2})", R"({"a": 1, "b": 2})"},
         {R"({"b": 2, "a": 1})", R"({, "b": 2})", R"({"a": 1,})"}});
  // additionalProperties as a schema: declared keys first, then any keys with that schema.
  check({R"({"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":{"type":"boolean"}})",
         {R"({"a": 1})", R"({"a": 1, "x": true, "y": false})"}, {R"({"a": 1, "x": 2})", R"({"x": true})"}});
  check({R"({"type":"object","additionalProperties":false})", {"{}"}, {R"({"a": 1})"}});
  check({R"({"type":"object","additionalProperties":true,"properties":{"a":{"type":"null"}}})", {R"({"b": []})", R"({"a": null, "b": 1})"}, {}});
}

TEST(GrammarAutomaton, Arrays) {
  check({R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3})", {"[1]", "[1, 2, 3]"}, {"[]", "[1, 2, 3, 4]", "[\"a\"]"}});
  check({R"({"type":"array","items":{"type":"integer"},"minItems":2})", {"[1, 2]", "[1, 2, 3, 4, 5, 6]"}, {"[1]"}});
  check({R"({"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false})", {"[]", R"(["a"])", R"(["a", 1])"},
         {R"([1])", R"(["a", 1, 2])"}});
  check({R"({"prefixItems":[{"type":"string"}],"items":{"type":"null"},"minItems":2})", {R"(["a", null])", R"(["a", null, null])"},
         {R"(["a"])", R"(["a", 1])"}});
  check({R"({"type":"array","maxItems":0})", {"[]"}, {"[1]"}});
}

TEST(GrammarAutomaton, Literals) {
  check({R"({"enum":["red","grün","藍",1,null,{"k":[1,2]}]})", {R"("red")", "\"gr\xC3\xBCn\"", "\"\xE8\x97\x8D\"", "1", "null", R"({"k": [1, 2]})"},
         {R"("blue")", "2", R"("re")", R"({"k":[1,2]})"}});
  check({R"({"const":"a\"b"})", {R"("a\"b")"}, {R"("ab")"}});
  check({R"({"type":"string","enum":["a",1]})", {R"("a")"}, {"1"}});
}

TEST(GrammarAutomaton, Combinators) {
  check({R"({"anyOf":[{"type":"integer"},{"type":"string","maxLength":2}]})", {"3", R"("ab")"}, {R"("abc")", "null"}});
  check({R"({"oneOf":[{"const":"a"},{"type":"array","items":{"const":"a"}}]})", {R"("a")", R"(["a", "a"])"}, {R"("b")"}});
  check({R"({"allOf":[{"type":"boolean"}]})", {"true"}, {"1"}});
}

TEST(GrammarAutomaton, RefsAndRecursion) {
  const char* tree = R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
      "kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["v","kids"]}},"$ref":"#/$defs/node"})";
  check({tree, {R"({"v": 1, "kids": []})", R"({"v": 1, "kids": [{"v": 2, "kids": [{"v": 3, "kids": []}]}, {"v": 4, "kids": []}]})"},
         {R"({"v": 1, "kids": [{"v": 2}]})"}});
  check({R"({"definitions":{"s":{"type":"string"}},"type":"array","items":{"$ref":"#/definitions/s"}})", {R"(["a", "b"])"}, {"[1]"}});
  // A recursive list through anyOf.
  check({R"({"$defs":{"l":{"anyOf":[{"type":"null"},{"type":"array","prefixItems":[{"type":"integer"},{"$ref":"#/$defs/l"}],"minItems":2,"items":false}]}},
           "$ref":"#/$defs/l"})", {"null", "[1, null]", "[1, [2, [3, null]]]"}, {"[1]", "[1, 2]"}});
}

TEST(GrammarAutomaton, StringLengthsCountCodePoints) {
  check({R"({"type":"string","minLength":2,"maxLength":3})", {R"("ab")", "\"\xC3\xA9\xE8\x97\x8D\xF0\x9F\x98\x80\"", R"("\n\u00e9")"},
         {R"("a")", R"("abcd")", "\"\xC3\xA9\""}});
}

TEST(GrammarAutomaton, StringFormats) {
  check({R"({"type":"string","format":"date"})", {R"("2024-01-31")", R"("1999-02-28")", R"("0000-04-30")", R"("2025-12-01")"},
         {R"("2024-02-29")", R"("2024-04-31")", R"("2024-13-01")", R"("2024-00-10")", R"("2024-01-00")", R"("2024-1-01")",
          R"("24-01-01")", R"("2024-01-32")", "2024-01-31"}});
  check({R"({"type":"string","format":"time"})", {R"("00:00:00Z")", R"("23:59:59.123456789+05:30")", R"("12:30:00-00:00")"},
         {R"("24:00:00Z")", R"("12:60:00Z")", R"("12:00:60Z")", R"("12:00:00")", R"("12:00:00.Z")",
          R"("12:00:00.1234567890Z")", R"("12:00:00z")", R"("12:00:00+0530")"}});
  check({R"({"format":"date-time"})", {R"("2024-06-30T08:15:00Z")", R"("2024-06-30T08:15:00.5-07:00")"},
         {R"("2024-06-30 08:15:00Z")", R"("2024-06-31T08:15:00Z")", R"("2024-06-30T08:15:00")", "5"}});
  check({R"({"type":"string","format":"uuid"})", {R"("123e4567-e89b-12d3-a456-426614174000")"},
         {R"("123E4567-e89b-12d3-a456-426614174000")", R"("123e4567e89b12d3a456426614174000")", R"("123e4567-e89b-12d3-a456-42661417400")"}});
  check({R"({"type":"string","format":"email"})", {R"("a@b.co")", R"("first.last+tag@mail.example-host.org")", R"("x!#$%&'*/=?^_`{|}~-@a1.b2")"},
         {R"("a@b")", R"("@b.co")", R"("a@.co")", R"("a.@b.co")", R"(".a@b.co")", R"("a..b@c.de")", R"("a@-b.co")", R"("a@b-.co")",
          R"("a@b..co")", R"("a b@c.de")", R"("a@b.co.")"}});
  // Strings only: on other types `format` asserts nothing.
  check({R"({"type":"integer","format":"int64"})", {"5"}, {"\"5\""}});
  check({R"({"type":["string","null"],"format":"date"})", {R"("2024-01-01")", "null"}, {R"("x")"}});
}

TEST(GrammarAutomaton, StringPatterns) {
  // Anchored: the whole content; unanchored: a match anywhere, free text around it.
  check({R"({"type":"string","pattern":"^ab+c$"})", {R"("abc")", R"("abbbc")"}, {R"("ac")", R"("xabc")", R"("abcx")", "abc"}});
  check({R"({"pattern":"abc"})", {R"("abc")", R"("xxabcyy")", R"("\n abc \"")", R"("abcabc")"}, {R"("ab")", R"("acb")", R"("")"}});
  check({R"({"type":"string","pattern":"^ab"})", {R"("ab")", R"("abzz")"}, {R"("zab")"}});
  check({R"({"type":"string","pattern":"yz$"})", {R"("yz")", R"("xxyz")"}, {R"("yzx")"}});
  // Anchors belong to each top-level alternative.
  check({R"({"type":"string","pattern":"^a|b$"})", {R"("a")", R"("axx")", R"("xxb")"}, {R"("xa")", R"("bx")"}});
  // Classes, ranges, negation (non-ASCII and escaped controls included), class escapes.
  check({R"({"type":"string","pattern":"^[a-c0-2_]+$"})", {R"("a0_c2")"}, {R"("d")", R"("a3")", R"("")"}});
  check({R"({"type":"string","pattern":"^[^a-z]$"})", {R"("A")", R"("é")", R"("\"")", R"("\n")", R"("\u0001")", "\"\xF0\x9F\x98\x80\""},
         {R"("q")", R"("AB")", "\"\x01\"", R"("\u000a")"}});
  // UTF-8 edges of a negated class: U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF; never a surrogate.
  check({R"({"type":"string","pattern":"^[^a]$"})",
         {"\"\xC2\x80\"", "\"\xDF\xBF\"", "\"\xE0\xA0\x80\"", "\"\xED\x9F\xBF\"", "\"\xEE\x80\x80\"", "\"\xEF\xBF\xBF\"",
          "\"\xF0\x90\x80\x80\"", "\"\xF4\x8F\xBF\xBF\""},
         {"\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xC0\x80\"", R"("\u00e9")"}});
  check({R"({"type":"string","pattern":"^[\\u0800-\\uffff]$"})", {"\"\xE0\xA0\x80\"", "\"\xE4\xB8\x80\"", "\"\xEF\xBF\xBF\""},
         {"\"\xDF\xBF\"", "\"\xF0\x90\x80\x80\"", "\"\xED\xA0\x80\""}});
  check({R"({"type":"string","pattern":"^\\d{3}-\\w\\s\\S\\D\\W$"})", {R"("123-_ xx!")", R"("000-a\tbb ")"}, {R"("12a-_ xx!")", R"("123-_xxx!")"}});
  check({R"({"type":"string","pattern":"^[\\d.-]+$"})", {R"("1.5-2")"}, {R"("1,5")"}});
  // Quantifiers: ? * + {n} {n,} {n,m}.
  check({R"({"type":"string","pattern":"^a?b*c+$"})", {R"("c")", R"("abbcc")", R"("bc")"}, {R"("aac")", R"("ab")"}});
  check({R"({"type":"string","pattern":"^x{3}y{2,}z{1,2}$"})", {R"("xxxyyz")", R"("xxxyyyyzz")"},
         {R"("xxyyz")", R"("xxxyz")", R"("xxxyyzzz")", R"("xxxxyyz")"}});
  // Groups, alternation, non-capturing and named groups, a repeated group.
  check({R"({"type":"string","pattern":"^(cat|dog)s?(?:-(?<n>[0-9]{1,2}))*$"})", {R"("cat")", R"("dogs-1-23")", R"("cats-07")"},
         {R"("cow")", R"("cat-123")", R"("cat-")", R"("catdog")"}});
  check({R"({"type":"string","pattern":"^(ab){2}|()$"})", {R"("abab")", R"("ababzz")", R"("")", R"("zz")"}, {}});
  // `.` is any code point but a line terminator.
  check({R"({"type":"string","pattern":"^a.c$"})", {R"("abc")", "\"a\xC3\xA9" "c\"", R"("a\"c")", R"("a\tc")"}, {R"("a\nc")", R"("ac")", R"("a\rc")"}});
  // Characters JSON escapes are matched decoded and written canonically: \" \\ \n \u00xx.
  check({R"({"type":"string","pattern":"^a\"b\\\\c\\n\\x01\\/$"})", {R"("a\"b\\c\n\u0001/")"},
         {R"("a"b\\c\n\u0001/")", R"("a\"b\\c\u000a\u0001/")", R"("a\"b\\c\n\u0001\/")"}});
  check({R"({"type":"string","pattern":"^[.*+?()|{}\\[\\]]\\.\\*\\$\\^$"})", {R"("|.*$^")", R"("].*$^")"}, {R"("a.*$^")", R"("|x*$^")"}});
  // Unicode literals, multibyte in classes and ranges.
  check({R"({"type":"string","pattern":"^北京[à-ÿ]+🙂$"})", {"\"北京é🙂\"", "\"北京àÿ🙂\""}, {"\"北京a🙂\"", "\"北京é🙁\"", "\"北京🙂\""}});
  check({R"({"type":"string","pattern":"^[^é]\\u00e9$"})", {"\"e\xC3\xA9\"", "\"\xE4\xB8\x80\xC3\xA9\""}, {"\"\xC3\xA9\xC3\xA9\""}});
  // Overlapping matches in free text do not pile up parses.
  check({R"({"type":"string","pattern":"a+b?a*"})", {"\"" + std::string(3000, 'a') + "\"", "\"" + std::string(500, 'x') + "ab" + std::string(500, 'a') + "\""},
         {"\"" + std::string(3000, 'x') + "\""}});
  check({R"({"type":"string","pattern":"^(a+|(ab)+|b)+c$"})", {"\"" + std::string(2000, 'a') + "abbc\""}, {"\"" + std::string(2000, 'a') + "b\""}});
  // On other types `pattern` asserts nothing; beside another type's value it still applies to strings.
  check({R"({"type":["integer","string"],"pattern":"^[0-9]$"})", {"42", R"("7")"}, {R"("42")"}});
}

TEST(GrammarAutomaton, IntegerBounds) {
  check({R"({"type":"integer","minimum":-15,"maximum":237})", {"-15", "-9", "0", "9", "10", "99", "199", "230", "237"},
         {"-16", "-20", "238", "240", "300", "1000", "-0"}});
  check({R"({"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":10})", {"1", "9"}, {"0", "10"}});
  check({R"({"type":"integer","minimum":100})", {"100", "999", "1000", "123456789"}, {"99", "-1", "0"}});
  check({R"({"type":"integer","maximum":-5})", {"-5", "-1000"}, {"-4", "0", "5"}});
  check({R"({"type":"integer","minimum":1.5,"maximum":3.5})", {"2", "3"}, {"1", "4"}});
}

void refuse(const char* schema, const std::string& needle) {
  try {
    Grammar::compile(std::string_view(schema));
    ADD_FAILURE() << schema << " compiled";
  } catch (const SchemaError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(GrammarAutomaton, RefusesWithAClearError) {
  refuse(R"({"type":"object","minProperties":1})", "unsupported JSON Schema keyword 'minProperties' at '#'");
  refuse(R"({"properties":{"a":{"type":"string","pattern":"^(?=x)x"}}})", "unsupported lookahead (?= (?! in 'pattern' \"^(?=x)x\" (at 3) at '#/properties/a/pattern'");
  refuse(R"({"type":"string","pattern":"(?<!a)b"})", "unsupported lookbehind");
  refuse(R"({"type":"string","pattern":"(a)\\1"})", "unsupported backreference \\1 in 'pattern'");
  refuse(R"({"type":"string","pattern":"a+?"})", "unsupported lazy quantifier in 'pattern'");
  refuse(R"({"type":"string","pattern":"\\bword"})", "unsupported word boundary");
  refuse(R"({"type":"string","pattern":"\\p{L}"})", "unsupported unicode property escape");
  refuse(R"({"type":"string","pattern":"a^b"})", "unsupported anchor");
  refuse(R"j({"type":"string","pattern":"(^a)"})j", "unsupported anchor");
  refuse(R"({"type":"string","pattern":"a{1001}"})", "unsupported repetition count over 1000 in 'pattern'");
  {  // bounded repetitions expand: 20 chains of 1000 outgrow a 20,000-element grammar
    std::string huge = R"({"type":"string","pattern":")";
    for (int i = 0; i < 20; ++i) huge += "a{0,1000}";
    Options opt;
    opt.limits.max_elements = 20000;
    EXPECT_THROW(
        try { Grammar::compile(std::string_view(huge + "\"}"), opt); } catch (const SchemaError& e) {
          EXPECT_NE(std::string(e.what()).find("schema too large"), std::string::npos) << e.what();
          throw;
        },
        SchemaError);
  }
  refuse(R"({"type":"string","pattern":"(a?)*"})", "can match the empty string");
  refuse(R"({"type":"string","pattern":"(ab"})", "missing ')'");
  refuse(R"j({"type":"string","pattern":"a)"})j", "unmatched ')'");
  refuse(R"({"type":"string","pattern":"[a-"})", "missing ']'");
  refuse(R"({"type":"string","pattern":"*a"})", "nothing to repeat");
  refuse(R"({"type":"string","pattern":"[z-a]"})", "range out of order");
  refuse(R"({"type":"string","pattern":7})", "'pattern' must be a string at '#/pattern'");
  refuse(R"({"type":"string","pattern":"^a$","maxLength":3})", "'pattern' beside 'format'/'minLength'/'maxLength'");
  refuse(R"({"properties":{"a":{"type":"string","format":"hostname"}}})", "unsupported 'format' 'hostname' (supported: date, time, date-time, uuid, email) at '#/properties/a'");
  refuse(R"({"type":"string","format":"date","maxLength":12})", "'format' beside 'minLength'/'maxLength'");
  refuse(R"({"type":"string","format":7})", "'format' must be a string at '#/format'");
  refuse(R"({"type":"array","minItems":3,"maxItems":2})", "'minItems' > 'maxItems'");
  refuse(R"({"enum":[]})", "'enum' is empty");
  refuse(R"({"type":"string","minLength":5,"maxLength":1})", "'minLength' > 'maxLength'");
  refuse(R"({"type":"integer","minimum":5,"maximum":4})", "integer bounds admit no value");
  refuse(R"({"type":"number","minimum":0})", "'minimum' on type 'number'");
  refuse(R"({"type":"strin"})", "unknown type 'strin'");
  refuse(R"({"$ref":"#/$defs/missing"})", "does not resolve");
  refuse(R"({"$ref":"http://x/y"})", "only local");
  refuse(R"({"$defs":{"a":{"anyOf":[{"$ref":"#/$defs/a"},{"type":"null"}]}},"$ref":"#/$defs/a"})", "left recursion");
  refuse(R"({"allOf":[{"type":"string"},{"maxLength":2}]})", "more than one schema");
  refuse(R"({"properties":{"a":false},"required":["a"]})", "schema 'false'");
  refuse("{", "not JSON");
  refuse(R"({"type":"string","maxLength":100000000})", "schema too large");
  refuse(R"({"type":"array","maxItems":100000000})", "schema too large");
  std::string deep = R"({"type":"string"})";
  for (int i = 0; i < 100; ++i) deep = R"({"type":"array","items":)" + deep + "}";
  refuse(deep.c_str(), "nested deeper than 64");
}

TEST(GrammarAutomaton, NonStrictIgnoresUnsupported) {
  Options opt;
  opt.strict = false;
  auto g = Grammar::compile(std::string_view(R"({"type":"string","format":"ipv4","minProperties":1})"), opt);
  ASSERT_EQ(g->ignored().size(), 2u);
  EXPECT_NE(g->ignored()[0].find("'minProperties'"), std::string::npos);
  EXPECT_NE(g->ignored()[1].find("'format' 'ipv4'"), std::string::npos);
  EXPECT_TRUE(matches(g, R"("anything")"));
  // An unsupported pattern construct: the pattern is ignored, the string stays free.
  g = Grammar::compile(std::string_view(R"j({"type":"string","pattern":"^(?!x)"})j"), opt);
  ASSERT_EQ(g->ignored().size(), 1u);
  EXPECT_NE(g->ignored()[0].find("lookahead"), std::string::npos);
  EXPECT_NE(g->ignored()[0].find("at '#/pattern'"), std::string::npos);
  EXPECT_TRUE(matches(g, R"("xyz")"));
  // An unsupported construct is named before 'pattern' beside 'maxLength'; the length still holds.
  g = Grammar::compile(std::string_view(R"j({"type":"string","pattern":"(?=a)","maxLength":2})j"), opt);
  ASSERT_EQ(g->ignored().size(), 1u);
  EXPECT_NE(g->ignored()[0].find("lookahead"), std::string::npos);
  EXPECT_TRUE(matches(g, R"("ab")"));
  EXPECT_FALSE(matches(g, R"("abc")"));
}

TEST(GrammarAutomaton, FreeJsonDepthIsBounded) {
  Options opt;
  opt.limits.max_stack_depth = 20;
  auto g = Grammar::compile(std::string_view("{}"), opt);
  EXPECT_TRUE(matches(g, "[[[1]]]"));
  EXPECT_FALSE(matches(g, std::string(30, '[') + std::string(30, ']')));
}

TEST(GrammarAutomaton, JsonObject) {
  auto g = Grammar::json_object();
  EXPECT_TRUE(matches(g, R"({"a": [1, 2.5, {"b": null}]})"));
  EXPECT_FALSE(matches(g, "[1]"));
  EXPECT_FALSE(matches(g, "\"s\""));
}

}  // namespace
}  // namespace dseek::grammar
