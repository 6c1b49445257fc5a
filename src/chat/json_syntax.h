// RFC 8259 JSON syntax check, for the string="false" parameter values of a parsed tool call.
#pragma once
#include <string_view>

namespace dseek::chat {

// Whether `text` is one JSON value (RFC 8259 grammar) with optional surrounding whitespace.
// Syntax only: numbers of any size (1e400 is valid, as in JavaScript's JSON.parse) and
// \uXXXX escapes of lone surrogates are accepted; NaN / Infinity, control characters inside
// strings, trailing commas, single quotes and leading zeros are not. Iterative, so any
// nesting depth is fine.
bool is_json_text(std::string_view text);

}  // namespace dseek::chat
