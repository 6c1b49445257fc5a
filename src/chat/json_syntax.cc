// Iterative RFC 8259 validator.
#include "chat/json_syntax.h"

#include <cctype>
#include <string>

namespace dseek::chat {
namespace {

class Checker {
 public:
  explicit Checker(std::string_view s) : s_(s) {}

  bool run() {
    std::string stack;  // open containers, '{' or '['
    skip_ws();
    for (;;) {
      // A value is expected here.
      if (p_ >= s_.size()) return false;
      char c = s_[p_];
      if (c == '{' || c == '[') {
        ++p_;
        skip_ws();
        if (at(c == '{' ? '}' : ']')) {
          ++p_;
        } else {
          stack += c;
          if (c == '{' && !key_colon()) return false;
          continue;
        }
      } else if (!scalar()) {
        return false;
      }
      // After a value: close containers, or a ',' that asks for the next value.
      for (;;) {
        skip_ws();
        if (stack.empty()) return p_ == s_.size();
        char open = stack.back();
        if (at(open == '{' ? '}' : ']')) {
          ++p_;
          stack.pop_back();
          continue;
        }
        if (!at(',')) return false;
        ++p_;
        skip_ws();
        if (open == '{' && !key_colon()) return false;
        break;
      }
    }
  }

 private:
  bool at(char c) const { return p_ < s_.size() && s_[p_] == c; }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  bool digit_at(size_t i) const { return i < s_.size() && digit(s_[i]); }

  void skip_ws() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }

  // `"key"` ws `:` ws
  bool key_colon() {
    if (!at('"') || !string()) return false;
    skip_ws();
    if (!at(':')) return false;
    ++p_;
    skip_ws();
    return true;
  }

  bool scalar() {
    char c = s_[p_];
    if (c == '"') return string();
    for (std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(p_, lit.size()) == lit) {
        p_ += lit.size();
        return true;
      }
    }
    return number();
  }

  bool string() {  // at the opening quote
    ++p_;
    while (p_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[p_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (p_ >= s_.size()) return false;
      char e = s_[p_++];
      if (e == 'u') {
        for (int k = 0; k < 4; ++k, ++p_) {
          if (p_ >= s_.size() || !isxdigit(static_cast<unsigned char>(s_[p_]))) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  bool number() {
    if (at('-')) ++p_;
    if (!digit_at(p_)) return false;
    if (s_[p_] == '0') {
      ++p_;
    } else {
      while (digit_at(p_)) ++p_;
    }
    if (at('.')) {
      ++p_;
      if (!digit_at(p_)) return false;
      while (digit_at(p_)) ++p_;
    }
    if (at('e') || at('E')) {
      ++p_;
      if (at('+') || at('-')) ++p_;
      if (!digit_at(p_)) return false;
      while (digit_at(p_)) ++p_;
    }
    return true;
  }

  std::string_view s_;
  size_t p_ = 0;
};

}  // namespace

bool is_json_text(std::string_view text) { return Checker(text).run(); }

}  // namespace dseek::chat
