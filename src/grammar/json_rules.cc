#include "grammar/json_rules.h"

#include <algorithm>

namespace dseek::grammar {

namespace {

int digits(uint64_t x) {
  int n = 1;
  while (x >= 10) { x /= 10; ++n; }
  return n;
}

uint64_t pow10(int n) {
  uint64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

}  // namespace

uint32_t JsonRules::char_rule() {
  if (char_) return *char_;
  Builder& b = b_;
  std::bitset<256> ascii;
  for (int c = 0x20; c <= 0x7F; ++c) ascii.set(c);
  ascii.reset('"');
  ascii.reset('\\');
  Elem cont = b.range(0x80, 0xBF);
  Elem hex = b.set([] {
    std::bitset<256> s;
    for (int c = '0'; c <= '9'; ++c) s.set(c);
    for (int c = 'a'; c <= 'f'; ++c) s.set(c);
    for (int c = 'A'; c <= 'F'; ++c) s.set(c);
    return s;
  }());
  // \uXXXX that is not a surrogate: first digit other than d/D, or d/D then 0-7.
  std::bitset<256> hex_not_d;
  for (int c : {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'e', 'f', 'A', 'B', 'C', 'E', 'F'})
    hex_not_d.set(c);
  std::bitset<256> esc;
  for (char c : std::string("\"\\/bfnrt")) esc.set(static_cast<uint8_t>(c));
  char_ = b.rule({
      {b.set(ascii)},
      {b.range(0xC2, 0xDF), cont},
      {b.byte(0xE0), b.range(0xA0, 0xBF), cont},
      {b.range(0xE1, 0xEC), cont, cont},
      {b.byte(0xED), b.range(0x80, 0x9F), cont},
      {b.range(0xEE, 0xEF), cont, cont},
      {b.byte(0xF0), b.range(0x90, 0xBF), cont, cont},
      {b.range(0xF1, 0xF3), cont, cont, cont},
      {b.byte(0xF4), b.range(0x80, 0x8F), cont, cont},
      {b.byte('\\'), b.set(esc)},
      {b.byte('\\'), b.byte('u'), b.set(hex_not_d), hex, hex, hex},
      {b.byte('\\'), b.byte('u'), b.set([] { std::bitset<256> s; s.set('d'); s.set('D'); return s; }()),
       b.range('0', '7'), hex, hex},
  });
  return *char_;
}

uint32_t JsonRules::any_chars() {
  if (!any_chars_) {
    any_chars_ = b_.new_rule();
    b_.add_alt(*any_chars_, {});
    b_.add_alt(*any_chars_, {Builder::ref(char_rule()), Builder::ref(*any_chars_)});
  }
  return *any_chars_;
}

uint32_t JsonRules::string(uint64_t min, std::optional<uint64_t> max) {
  const bool free = min == 0 && !max;
  if (free && free_string_) return *free_string_;
  Elem ch = Builder::ref(char_rule());
  uint32_t tail;
  if (!max) {
    tail = any_chars();
  } else {
    tail = b_.rule({{}});
    for (uint64_t k = min; k < *max; ++k) tail = b_.rule({{}, {ch, Builder::ref(tail)}});
  }
  if (min > b_.limits().max_elements) {
    throw SchemaError("schema too large: minLength " + std::to_string(min) + " exceeds the grammar size limit");
  }
  Seq s{b_.byte('"')};
  s.insert(s.end(), min, ch);
  s.push_back(Builder::ref(tail));
  s.push_back(b_.byte('"'));
  uint32_t r = b_.rule({std::move(s)});
  if (free) free_string_ = r;
  return r;
}

void JsonRules::same_len(const std::string& x, const std::string& y, Seq prefix, std::vector<Seq>& out) {
  size_t i = 0;
  while (i < x.size() && x[i] == y[i]) prefix.push_back(b_.byte(static_cast<uint8_t>(x[i++])));
  if (i == x.size()) {
    out.push_back(std::move(prefix));
    return;
  }
  const std::string xr = x.substr(i + 1), yr = y.substr(i + 1);
  const char x0 = x[i], y0 = y[i];
  const size_t n = xr.size();
  const bool xz = std::all_of(xr.begin(), xr.end(), [](char c) { return c == '0'; });
  const bool y9 = std::all_of(yr.begin(), yr.end(), [](char c) { return c == '9'; });
  const Elem digit = b_.range('0', '9');
  const char lo = xz ? x0 : static_cast<char>(x0 + 1), hi = y9 ? y0 : static_cast<char>(y0 - 1);
  if (!xz) {
    Seq p = prefix;
    p.push_back(b_.byte(static_cast<uint8_t>(x0)));
    same_len(xr, std::string(n, '9'), std::move(p), out);
  }
  if (lo <= hi) {
    Seq p = prefix;
    p.push_back(b_.range(static_cast<uint8_t>(lo), static_cast<uint8_t>(hi)));
    p.insert(p.end(), n, digit);
    out.push_back(std::move(p));
  }
  if (!y9) {
    Seq p = prefix;
    p.push_back(b_.byte(static_cast<uint8_t>(y0)));
    same_len(std::string(n, '0'), yr, std::move(p), out);
  }
}

void JsonRules::uint_range(uint64_t a, uint64_t b, const Seq& prefix, std::vector<Seq>& out) {
  for (int len = digits(a); len <= digits(b); ++len) {
    uint64_t lo = len == 1 ? a : std::max(a, pow10(len - 1));
    uint64_t hi = std::min(b, pow10(len) - 1);
    if (lo <= hi) same_len(std::to_string(lo), std::to_string(hi), prefix, out);
  }
}

uint32_t JsonRules::integer(int64_t lo, int64_t hi) {
  std::vector<Seq> alts;
  if (hi >= 0) uint_range(static_cast<uint64_t>(std::max<int64_t>(lo, 0)), static_cast<uint64_t>(hi), {}, alts);
  if (lo < 0) {
    uint64_t mlo = hi < 0 ? 0 - static_cast<uint64_t>(hi) : 1;
    uint64_t mhi = 0 - static_cast<uint64_t>(lo);
    uint_range(mlo, mhi, {b_.byte('-')}, alts);
  }
  return b_.rule(std::move(alts));
}

uint32_t JsonRules::number() {
  if (number_) return *number_;
  Elem digit = b_.range('0', '9');
  uint32_t sign = b_.rule({{}, {b_.byte('-')}});
  uint32_t more = b_.rule({{}});  // up to 17 more digits after a leading 1-9
  for (int k = 0; k < 17; ++k) more = b_.rule({{}, {digit, Builder::ref(more)}});
  uint32_t int_part = b_.rule({{b_.byte('0')}, {b_.range('1', '9'), Builder::ref(more)}});
  uint32_t digits_loop = b_.new_rule();
  b_.add_alt(digits_loop, {});
  b_.add_alt(digits_loop, {digit, Builder::ref(digits_loop)});
  uint32_t frac = b_.rule({{}, {b_.byte('.'), digit, Builder::ref(digits_loop)}});
  uint32_t exp_sign = b_.rule({{}, {b_.byte('+')}, {b_.byte('-')}});
  uint32_t exp = b_.rule({{},
                          {b_.set([] { std::bitset<256> s; s.set('e'); s.set('E'); return s; }()),
                           Builder::ref(exp_sign), digit, Builder::ref(b_.rule({{}, {digit}}))}});
  number_ = b_.rule({{Builder::ref(sign), Builder::ref(int_part), Builder::ref(frac), Builder::ref(exp)}});
  return *number_;
}

uint32_t JsonRules::boolean() {
  if (!boolean_) boolean_ = b_.rule({b_.lit("true"), b_.lit("false")});
  return *boolean_;
}

uint32_t JsonRules::null() {
  if (!null_) null_ = b_.rule({b_.lit("null")});
  return *null_;
}

uint32_t JsonRules::any_value() {
  if (any_value_) return *any_value_;
  any_value_ = b_.new_rule();  // first, so objects and arrays can refer back to it
  const uint32_t v = *any_value_;
  b_.add_alt(v, {Builder::ref(any_object())});
  b_.add_alt(v, {Builder::ref(any_array())});
  b_.add_alt(v, {Builder::ref(string(0, std::nullopt))});
  b_.add_alt(v, {Builder::ref(number())});
  b_.add_alt(v, {Builder::ref(boolean())});
  b_.add_alt(v, {Builder::ref(null())});
  return v;
}

uint32_t JsonRules::any_object() {
  if (any_object_) return *any_object_;
  uint32_t value = any_value();
  if (any_object_) return *any_object_;
  Seq member{Builder::ref(string(0, std::nullopt))};
  b_.lit(member, ": ");
  member.push_back(Builder::ref(value));
  uint32_t more = b_.new_rule();  // "}" | ", " member more
  b_.add_alt(more, b_.lit("}"));
  Seq next = b_.lit(", ");
  next.insert(next.end(), member.begin(), member.end());
  next.push_back(Builder::ref(more));
  b_.add_alt(more, std::move(next));
  Seq first = b_.lit("{");
  first.insert(first.end(), member.begin(), member.end());
  first.push_back(Builder::ref(more));
  any_object_ = b_.rule({b_.lit("{}"), std::move(first)});
  return *any_object_;
}

uint32_t JsonRules::any_array() {
  if (any_array_) return *any_array_;
  uint32_t value = any_value();
  if (any_array_) return *any_array_;
  uint32_t more = b_.new_rule();  // "]" | ", " value more
  b_.add_alt(more, b_.lit("]"));
  Seq next = b_.lit(", ");
  next.push_back(Builder::ref(value));
  next.push_back(Builder::ref(more));
  b_.add_alt(more, std::move(next));
  any_array_ = b_.rule({b_.lit("[]"), {b_.byte('['), Builder::ref(value), Builder::ref(more)}});
  return *any_array_;
}

std::string JsonRules::canonical(const nlohmann::ordered_json& v) {
  try {
    if (v.is_object()) {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, x] : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += nlohmann::ordered_json(k).dump() + ": " + canonical(x);
      }
      return out + "}";
    }
    if (v.is_array()) {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + canonical(v[i]);
      return out + "]";
    }
    return v.dump();
  } catch (const nlohmann::json::exception& e) {
    throw SchemaError(std::string("a literal (const/enum) is not valid JSON text: ") + e.what());
  }
}

uint32_t JsonRules::literal(const nlohmann::ordered_json& v) { return b_.rule({b_.lit(canonical(v))}); }

}  // namespace dseek::grammar
