// The JSON building blocks of a schema's grammar, in the canonical format of grammar.h:
// strings (code points counted for minLength/maxLength), integers in a range, numbers, any
// value, and literals (const / enum).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "grammar/builder.h"

namespace dseek::grammar {

// Largest magnitude an unbounded integer may take: 18 digits, so every integer the grammar
// admits is exact in int64 (and near-exact in double) for the client that parses it.
inline constexpr int64_t kMaxFreeInt = 999999999999999999;

class JsonRules {
 public:
  explicit JsonRules(Builder& b) : b_(b) {}

  // A string of `min`..`max` code points (max empty: unbounded). Characters are raw UTF-8
  // (well-formed, no surrogates) except '"', '\\' and controls, which take an escape;
  // \uXXXX escapes never name a surrogate (so every output is valid for strict parsers).
  uint32_t string(uint64_t min, std::optional<uint64_t> max);
  // Any string content without its quotes: zero or more of the string's characters (a tail
  // call: the stack does not grow).
  uint32_t any_chars();
  // An integer in [lo, hi], decimal, no leading zeros, no "-0".
  uint32_t integer(int64_t lo, int64_t hi);
  // A number: -?int(.digits)?([eE][+-]?d{1,2})?, the integer part at most 18 digits.
  uint32_t number();
  uint32_t boolean();
  uint32_t null();
  // Any JSON value / any object / any array, in the canonical format.
  uint32_t any_value();
  uint32_t any_object();
  uint32_t any_array();
  // `v` exactly, in the canonical format (object keys in their order in `v`).
  uint32_t literal(const nlohmann::ordered_json& v);

  // The canonical text of `v`. Throws SchemaError if a string in it is not valid UTF-8.
  static std::string canonical(const nlohmann::ordered_json& v);

 private:
  uint32_t char_rule();
  // Appends to `out` the digit sequences of every integer in [a, b] (0 <= a <= b).
  void uint_range(uint64_t a, uint64_t b, const Seq& prefix, std::vector<Seq>& out);
  void same_len(const std::string& x, const std::string& y, Seq prefix, std::vector<Seq>& out);

  Builder& b_;
  std::optional<uint32_t> char_, number_, boolean_, null_, any_value_, any_object_, any_array_;
  std::optional<uint32_t> free_string_, any_chars_;
};

}  // namespace dseek::grammar
