// Translates the Oniguruma (Ruby syntax) regexes found in Hugging Face tokenizer.json files
// into PCRE2 syntax with the same meaning under PCRE2_UTF | PCRE2_UCP.
#pragma once
#include <string>
#include <string_view>

namespace dseek {

// Returns the PCRE2 equivalent of Oniguruma pattern `onig`. Rewrites the constructs whose
// meaning differs between the engines:
//   \s \S        Oniguruma: Unicode White_Space; PCRE2 UCP also matches U+180E.
//   \w \W \b \B  Oniguruma: Letter|Mark|Number|Connector_Punctuation; PCRE2 10.42 omits marks.
//   \h \H        Oniguruma: hex digit; PCRE2: horizontal space.
//   \uXXXX       not PCRE2 syntax; becomes \x{XXXX}.
//   \p{L} \p{M} \p{N} \p{P} \p{S} (also \pL, \P{..}, \p{^..}): PCRE2 10.42 has Unicode 14
//                tables, HF Unicode 16; the newer characters are added (unicode_additions.h).
//                Other properties (\p{Lu}, \p{Han}, ...) and \d keep PCRE2's tables.
//   ^ $          Oniguruma (Ruby): always line anchors; become (?m:^) / (?m:$).
// Everything else passes through unchanged. Throws std::invalid_argument for constructs with
// no faithful translation: nested character classes, class intersection (&&), and negated
// shorthands (\S \W \H \P{L}...) inside a character class.
// With `newer_unicode` false the Unicode 15-16 additions are left out: the pattern is faster
// and matches identically on text for which has_unicode_additions() is false.
std::string onig_to_pcre2(std::string_view onig, bool newer_unicode = true);

}  // namespace dseek
