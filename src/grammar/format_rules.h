// JSON Schema `format` for strings as byte rules (the quotes included), so a constrained output
// is a valid instance, not just a string:
//   date       YYYY-MM-DD, days within their month (RFC 3339 full-date; February 29 is refused:
//              the grammar does not check the year)
//   time       HH:MM:SS, optional .fraction (1-9 digits), then Z or +HH:MM / -HH:MM
//              (RFC 3339 full-time, hours 00-23, no leap second)
//   date-time  date "T" time (RFC 3339 date-time)
//   uuid       8-4-4-4-12 lowercase hex digits (RFC 4122 text form)
//   email      dot-atom local part "@" a domain of two or more labels (RFC 5322 addr-spec
//              without quoted strings, comments or address literals; labels are letters,
//              digits and inner hyphens)
// Each admits a subset of what its RFC allows, never more.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "grammar/builder.h"

namespace dseek::grammar {

// The names format_string knows, for error messages.
inline constexpr std::string_view kStringFormats = "date, time, date-time, uuid, email";

// The rule of a JSON string (with its quotes) in `format`; nullopt for another format.
std::optional<uint32_t> format_string(Builder& b, std::string_view format);

}  // namespace dseek::grammar
