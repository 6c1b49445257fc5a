// JSON Schema `pattern` for strings as byte rules (the quotes included): the JSON strings whose
// decoded characters match an ECMA-262 regular expression. As JSON Schema says, a pattern is
// not anchored (it need only match somewhere in the string): an alternative that does not start
// with ^ gets free text before its match, one that does not end with $ free text after it.
//
// Supported subset (code points, not bytes):
//   literals       any character but the syntax ones, UTF-8 multibyte too
//   .              any code point but a line terminator (\n \r U+2028 U+2029)
//   [...] [^...]   items, ranges a-z (any code points), class escapes; a negated class admits
//                  every code point (surrogates excepted) its items leave out
//   escapes        \d \D \w \W \s \S (ECMA sets), \n \r \t \f \v \0, \xHH, \uHHHH, \/ \- and
//                  every other punctuation character as itself; [\b] is a backspace
//   groups         ( ) (?: ) (?<name> ), alternation |
//   quantifiers    * + ? {n} {n,} {n,m} (m <= 1000, expanded into a chain; a group that can
//                  match the empty string may not take * + or {n,})
//   anchors        ^ first and $ last in a top-level alternative
// Anything else — backreferences, lookaround, lazy quantifiers, \b \B, \p{..}, \c, anchors
// elsewhere, an empty class — throws PatternError naming the construct.
//
// Matched characters are emitted in the canonical spelling of grammar.h: raw UTF-8, except
// '"' -> \", '\' -> \\, controls -> \b \f \n \r \t or \u00xx (lowercase hex). The free text
// around an unanchored match is any JSON string content (json_rules' characters).
#pragma once
#include <cstdint>
#include <string_view>

#include "grammar/grammar.h"
#include "grammar/json_rules.h"

namespace dseek::grammar {

// A pattern outside the supported subset, or not a valid regular expression. The message names
// the construct and its offset in the pattern (in code points).
class PatternError : public SchemaError {
 public:
  using SchemaError::SchemaError;
};

// Most repetitions a {n,m} quantifier may ask for (its n or m).
inline constexpr uint32_t kMaxPatternRepeat = 1000;

// Throws PatternError when `regex` is outside the subset (adds nothing anywhere).
void check_pattern(std::string_view regex);

// The rule of a JSON string (with its quotes) whose decoded content matches `regex`.
// Throws PatternError (nothing is added to `b` then), or SchemaError when the expansion
// outgrows the grammar size limit.
uint32_t pattern_string(Builder& b, JsonRules& j, std::string_view regex);

}  // namespace dseek::grammar
