// Text helpers for what goes back to the model: valid UTF-8, bounded length.
#pragma once
#include <cstddef>
#include <string>

namespace dseek::agent {

// `s` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD
// (so it can be put into JSON and tokenized).
std::string sanitize_utf8(const std::string& s);

// `s` cut to at most `max_bytes` (on a UTF-8 character boundary) with a note saying how much
// was left out; unchanged when it fits.
std::string cap_text(const std::string& s, size_t max_bytes);

// The first line of `s`, shortened to `max_chars` bytes with "..." (for progress lines).
std::string one_line(const std::string& s, size_t max_chars = 160);

}  // namespace dseek::agent
