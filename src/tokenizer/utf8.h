// UTF-8 helpers for the tokenizer: validation, lossy decoding with the Unicode "maximal
// subpart" rule (one U+FFFD per maximal invalid subsequence, as Rust's from_utf8_lossy and
// WHATWG do), and the split point a streaming decoder may safely emit up to.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace dseek::utf8 {

// Returns the length of the longest prefix of `s` that is well-formed UTF-8; equals
// s.size() exactly when the whole string is valid.
size_t valid_prefix(std::string_view s);

// Decodes `bytes` as UTF-8 and appends the text to `out`; every maximal invalid subpart
// (an incomplete-but-valid prefix counts as one) becomes a single U+FFFD.
void append_lossy(std::string_view bytes, std::string& out);

// Returns how many leading bytes of `bytes` decode the same no matter what bytes follow:
// everything except a trailing sequence that is a valid but incomplete prefix of a
// character (at most 3 bytes are held back).
size_t stable_prefix(std::string_view bytes);

// Appends code point `cp` (must be a Unicode scalar value) to `out` as UTF-8.
void append_code_point(char32_t cp, std::string& out);

}  // namespace dseek::utf8
