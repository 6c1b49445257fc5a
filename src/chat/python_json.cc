// Python-compatible JSON decoding and printing (CHAT_FORMAT.md section 8).
#include "chat/python_json.h"
#include "runtime/utf8_encode.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <locale.h>

#include "runtime/error.h"

namespace dseek::chat {
namespace {

constexpr int kMaxDepth = 1000;       // Python's default recursion limit, roughly
constexpr size_t kMaxIntDigits = 4300;  // Python 3.11's int <-> str digit limit

// strtod in the "C" locale whatever the process locale is. Unlike std::from_chars it
// returns ±inf / 0.0 on overflow / underflow, as Python's float() does.
double strtod_c(const std::string& s) {
  static locale_t c_locale = newlocale(LC_ALL_MASK, "C", locale_t{});
  return strtod_l(s.c_str(), nullptr, c_locale);
}

class Loader {
 public:
  explicit Loader(std::string_view s) : s_(s) {}

  PyValue document() {
    skip_ws();
    PyValue v = value(0);
    skip_ws();
    if (p_ != s_.size()) fail("extra data after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("invalid JSON (Python json.loads rules): " + what + " at character offset " +
                std::to_string(p_));
  }

  bool at(char c) const { return p_ < s_.size() && s_[p_] == c; }
  bool starts(std::string_view w) const { return s_.substr(p_, w.size()) == w; }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool digit_at(size_t i) const { return i < s_.size() && digit(s_[i]); }

  void skip_ws() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }

  PyValue value(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    if (p_ >= s_.size()) fail("expecting a value");
    PyValue v;
    char c = s_[p_];
    if (c == '"') {
      ++p_;
      v.kind = PyValue::Kind::String;
      v.text = string_body();
    } else if (c == '{') {
      ++p_;
      object(v, depth);
    } else if (c == '[') {
      ++p_;
      array(v, depth);
    } else if (starts("null")) {
      p_ += 4;
    } else if (starts("true") || starts("false")) {
      v.kind = PyValue::Kind::Bool;
      v.boolean = c == 't';
      p_ += v.boolean ? 4 : 5;
    } else if (starts("NaN")) {
      p_ += 3;
      v.kind = PyValue::Kind::Float;
      v.number = std::nan("");
    } else if (starts("Infinity") || starts("-Infinity")) {
      v.kind = PyValue::Kind::Float;
      v.number = c == '-' ? -HUGE_VAL : HUGE_VAL;
      p_ += c == '-' ? 9 : 8;
    } else if (c == '-' || digit(c)) {
      number(v);
    } else {
      fail("expecting a value");
    }
    return v;
  }

  // Python's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? ; a '.' or 'e' that
  // does not continue the number is left for the caller (and then rejected there).
  void number(PyValue& v) {
    size_t start = p_;
    if (at('-')) ++p_;
    if (!digit_at(p_)) fail("expecting a value");
    if (s_[p_] == '0') {
      ++p_;
    } else {
      while (digit_at(p_)) ++p_;
    }
    bool is_float = false;
    if (at('.') && digit_at(p_ + 1)) {
      is_float = true;
      p_ += 1;
      while (digit_at(p_)) ++p_;
    }
    if (at('e') || at('E')) {
      size_t q = p_ + 1;
      if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
      if (digit_at(q)) {
        is_float = true;
        while (digit_at(q)) ++q;
        p_ = q;
      }
    }
    std::string num(s_.substr(start, p_ - start));
    if (is_float) {
      v.kind = PyValue::Kind::Float;
      v.number = strtod_c(num);
      return;
    }
    v.kind = PyValue::Kind::Int;
    size_t ndigits = num.size() - (num[0] == '-' ? 1 : 0);
    if (ndigits > kMaxIntDigits) {
      p_ = start;
      fail("integer with more than " + std::to_string(kMaxIntDigits) + " digits (Python's limit)");
    }
    v.text = num == "-0" ? "0" : num;
  }

  uint32_t hex4() {
    if (p_ + 4 > s_.size()) fail("invalid \\uXXXX escape");
    uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = s_[p_ + i];
      uint32_t d;
      if (h >= '0' && h <= '9') d = h - '0';
      else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
      else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
      else fail("invalid \\uXXXX escape");
      cp = cp * 16 + d;
    }
    p_ += 4;
    return cp;
  }

  // After the opening quote; consumes the closing quote.
  std::string string_body() {
    std::string out;
    for (;;) {
      if (p_ >= s_.size()) fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(s_[p_]);
      if (c == '"') {
        ++p_;
        return out;
      }
      if (c < 0x20) fail("invalid control character in a string");
      if (c != '\\') {
        out += static_cast<char>(c);
        ++p_;
        continue;
      }
      ++p_;
      if (p_ >= s_.size()) fail("unterminated string");
      char e = s_[p_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          size_t esc = p_ - 2;
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp <= 0xDBFF && starts("\\u")) {
            size_t save = p_;
            p_ += 2;
            uint32_t lo = hex4();
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              p_ = save;
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) {
            p_ = esc;
            fail("lone UTF-16 surrogate escape (not representable in UTF-8)");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          p_ -= 2;
          fail("invalid backslash escape");
      }
    }
  }

  void object(PyValue& v, int depth) {
    v.kind = PyValue::Kind::Object;
    skip_ws();
    if (at('}')) {
      ++p_;
      return;
    }
    for (;;) {
      if (!at('"')) fail("expecting a property name in double quotes");
      ++p_;
      std::string key = string_body();
      skip_ws();
      if (!at(':')) fail("expecting ':' delimiter");
      ++p_;
      skip_ws();
      PyValue item = value(depth + 1);
      bool replaced = false;
      for (auto& m : v.members) {
        if (m.first == key) {
          m.second = std::move(item);
          replaced = true;
          break;
        }
      }
      if (!replaced) v.members.emplace_back(std::move(key), std::move(item));
      skip_ws();
      if (at('}')) {
        ++p_;
        return;
      }
      if (!at(',')) fail("expecting ',' delimiter");
      ++p_;
      skip_ws();
    }
  }

  void array(PyValue& v, int depth) {
    v.kind = PyValue::Kind::Array;
    skip_ws();
    if (at(']')) {
      ++p_;
      return;
    }
    for (;;) {
      v.items.push_back(value(depth + 1));
      skip_ws();
      if (at(']')) {
        ++p_;
        return;
      }
      if (!at(',')) fail("expecting ',' delimiter");
      ++p_;
      skip_ws();
    }
  }

  std::string_view s_;
  size_t p_ = 0;
};

void dump_to(std::string& out, const PyValue& v) {
  switch (v.kind) {
    case PyValue::Kind::Null: out += "null"; break;
    case PyValue::Kind::Bool: out += v.boolean ? "true" : "false"; break;
    case PyValue::Kind::Int: out += v.text; break;
    case PyValue::Kind::Float: out += py_float_repr(v.number); break;
    case PyValue::Kind::String: out += py_dumps_string(v.text); break;
    case PyValue::Kind::Array:
      out += '[';
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ", ";
        dump_to(out, v.items[i]);
      }
      out += ']';
      break;
    case PyValue::Kind::Object:
      out += '{';
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i) out += ", ";
        out += py_dumps_string(v.members[i].first);
        out += ": ";
        dump_to(out, v.members[i].second);
      }
      out += '}';
      break;
  }
}

void dump_to(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: out += "null"; break;
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case Json::value_t::number_integer: out += std::to_string(v.get<int64_t>()); break;
    case Json::value_t::number_unsigned: out += std::to_string(v.get<uint64_t>()); break;
    case Json::value_t::number_float: out += py_float_repr(v.get<double>()); break;
    case Json::value_t::string: out += py_dumps_string(v.get_ref<const std::string&>()); break;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ", ";
        first = false;
        dump_to(out, item);
      }
      out += ']';
      break;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) out += ", ";
        first = false;
        out += py_dumps_string(key);
        out += ": ";
        dump_to(out, item);
      }
      out += '}';
      break;
    }
    default:
      throw Error("cannot print a binary or discarded JSON value as Python json.dumps would");
  }
}

}  // namespace

PyValue py_loads(std::string_view text) { return Loader(text).document(); }

std::string py_dumps(const PyValue& v) {
  std::string out;
  dump_to(out, v);
  return out;
}

std::string py_dumps(const Json& v) {
  std::string out;
  dump_to(out, v);
  return out;
}

std::string py_dumps_string(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string py_float_repr(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x < 0 ? "-Infinity" : "Infinity";
  // Shortest round-trip digits in scientific form: "-d.ddde+XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);
  std::string out;
  if (!sci.empty() && sci[0] == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits += c;
  }
  int exp10 = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  int decpt = exp10 + 1;  // value = 0.DIGITS * 10^decpt
  int n = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out += digits;
    } else if (decpt >= n) {
      out += digits;
      out.append(static_cast<size_t>(decpt - n), '0');
      out += ".0";
    } else {
      out += digits.substr(0, decpt);
      out += '.';
      out += digits.substr(decpt);
    }
    return out;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out += digits.substr(1);
  }
  out += 'e';
  out += exp10 < 0 ? '-' : '+';
  int a = exp10 < 0 ? -exp10 : exp10;
  if (a < 10) out += '0';
  out += std::to_string(a);
  return out;
}

bool py_truthy(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return false;
    case Json::value_t::boolean: return v.get<bool>();
    case Json::value_t::number_integer: return v.get<int64_t>() != 0;
    case Json::value_t::number_unsigned: return v.get<uint64_t>() != 0;
    case Json::value_t::number_float: return v.get<double>() != 0.0;
    case Json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case Json::value_t::array:
    case Json::value_t::object: return !v.empty();
    case Json::value_t::binary: return !v.get_binary().empty();
    default: return false;
  }
}

}  // namespace dseek::chat
