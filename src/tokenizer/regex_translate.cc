#include "tokenizer/regex_translate.h"

#include <cctype>
#include <stdexcept>

#include "tokenizer/unicode_additions.h"

namespace dseek {
namespace {

// Oniguruma's Unicode \s: U+0009..U+000D, U+0085 and General_Category Z (Zs, Zl, Zp).
constexpr std::string_view kSpaceItems =
    "\\x{09}-\\x{0D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"
    "\\x{202F}\\x{205F}\\x{3000}";
// Oniguruma's Unicode \w: Letter | Mark | Number | Connector_Punctuation.
std::string word_items(bool newer_unicode) {
  if (!newer_unicode) return "\\p{L}\\p{M}\\p{N}\\p{Pc}";
  return "\\p{L}" + unicode_additions('L') + "\\p{M}" + unicode_additions('M') + "\\p{N}" +
         unicode_additions('N') + "\\p{Pc}";
}
constexpr std::string_view kHexItems = "0-9A-Fa-f";

std::string cls(std::string_view items, bool negate) {
  return std::string(negate ? "[^" : "[") + std::string(items) + "]";
}

[[noreturn]] void unsupported(std::string_view what, size_t pos) {
  throw std::invalid_argument("unsupported regex construct " + std::string(what) +
                              " at offset " + std::to_string(pos));
}

}  // namespace

std::string onig_to_pcre2(std::string_view p, bool newer_unicode) {
  auto additions = [newer_unicode](char category) {
    return newer_unicode ? unicode_additions(category) : std::string();
  };
  std::string out;
  out.reserve(p.size() * 2);
  bool in_class = false;
  size_t class_start = 0;  // index just after '[' or '[^', where a literal ']' is allowed
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) {
        out += c;  // dangling backslash: let PCRE2 report it
        continue;
      }
      const char e = p[++i];
      switch (e) {
        case 's':
          out += in_class ? std::string(kSpaceItems) : cls(kSpaceItems, false);
          continue;
        case 'w':
          out += in_class ? word_items(newer_unicode) : cls(word_items(newer_unicode), false);
          continue;
        case 'h':
          out += in_class ? std::string(kHexItems) : cls(kHexItems, false);
          continue;
        case 'S':
        case 'W':
        case 'H': {
          if (in_class) unsupported(std::string("\\") + e + " inside []", i - 1);
          const std::string w = word_items(newer_unicode);
          out += cls(e == 'S' ? kSpaceItems : e == 'W' ? std::string_view(w) : kHexItems, true);
          continue;
        }
        case 'b':
        case 'B': {
          if (in_class) break;  // [\b] is backspace in both engines
          const std::string w = cls(word_items(newer_unicode), false);
          const std::string boundary =
              "(?<=" + w + ")(?!" + w + ")|(?<!" + w + ")(?=" + w + ")";
          out += e == 'b' ? "(?:" + boundary + ")" : "(?!" + boundary + ")";
          continue;
        }
        case 'p':
        case 'P': {
          // \p{X}, \p{^X} or \pX for a category group whose newer characters PCRE2 lacks.
          std::string_view name;
          size_t last = i;  // index of the escape's final character
          if (i + 1 < p.size() && p[i + 1] == '{') {
            last = p.find('}', i);
            if (last != std::string_view::npos) name = p.substr(i + 2, last - i - 2);
          } else if (i + 1 < p.size()) {
            last = i + 1;
            name = p.substr(i + 1, 1);
          }
          bool negate = e == 'P';
          if (!name.empty() && name[0] == '^') {
            negate = !negate;
            name.remove_prefix(1);
          }
          if (name.size() == 1 && std::string_view("LMNPS").find(name[0]) != std::string_view::npos) {
            if (in_class && negate) unsupported("negated \\p{} inside []", i - 1);
            const std::string body = "\\p{" + std::string(name) + "}" + additions(name[0]);
            out += in_class ? body : cls(body, negate);
            i = last;
            continue;
          }
          break;
        }
        case 'u': {
          bool hex = i + 4 < p.size();
          for (size_t k = 1; hex && k <= 4; ++k)
            hex = std::isxdigit(static_cast<unsigned char>(p[i + k])) != 0;
          if (hex) {
            out += "\\x{" + std::string(p.substr(i + 1, 4)) + "}";
            i += 4;
            continue;
          }
          break;
        }
        default:
          break;
      }
      // Any other escape means the same in both engines; copy it whole (the escaped
      // character may be a multi-byte UTF-8 sequence, whose tail bytes copy below).
      out += '\\';
      out += e;
      continue;
    }
    if (in_class) {
      if (c == ']' && i != class_start) {
        in_class = false;
      } else if (c == '[') {
        if (i + 1 < p.size() && p[i + 1] == ':') {  // POSIX bracket [:alpha:]
          const size_t end = p.find(":]", i + 2);
          if (end == std::string_view::npos) unsupported("'[:'", i);
          out.append(p.substr(i, end + 2 - i));
          i = end + 1;
          continue;
        }
        unsupported("nested character class", i);
      } else if (c == '&' && i + 1 < p.size() && p[i + 1] == '&') {
        unsupported("class intersection &&", i);
      }
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      class_start = i + 1;
      continue;
    }
    if (c == '^') {
      out += "(?m:^)";
      continue;
    }
    if (c == '$') {
      out += "(?m:$)";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace dseek
