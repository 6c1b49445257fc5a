// PCRE2 10.42 (Debian 12) carries Unicode 14.0 tables, while Hugging Face tokenizers
// (Oniguruma) classify with Unicode 16.0: about 10k newer characters (new emoji, CJK
// Extensions H and I, new scripts) would otherwise fall outside \p{L}, \p{P}, \p{S}, ... and be
// pre-tokenized differently. The regex translator adds these code points back.
#pragma once
#include <string>
#include <string_view>

namespace dseek {

// Returns PCRE2 character-class items ("\x{1C89}-\x{1C8A}...") for the code points that
// Unicode 15.0-16.0 added to general category group `category` (one of L M N P S); "" for any
// other letter. Characters PCRE2 already knows are not listed, so the result is meant to be
// appended next to \p{category} inside a class.
std::string unicode_additions(char category);

// True when UTF-8 `text` contains any code point listed by unicode_additions(). Text without
// one matches identically with or without the additions, so the faster plain patterns serve.
bool has_unicode_additions(std::string_view text);

}  // namespace dseek
