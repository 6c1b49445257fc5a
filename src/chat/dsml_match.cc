// Marker search and the DSML patterns of CHAT_FORMAT.md section 9.
#include "chat/dsml_match.h"

#include "chat/json_syntax.h"
#include "chat/literals.h"
#include "chat/python_json.h"

namespace dseek::chat::detail {
namespace {

// Python's str.isspace() / re \s over code points.
bool is_python_space(uint32_t cp) {
  if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Decodes the UTF-8 code point at s[i]; sets `len` (1 for an invalid byte, which is then
// returned as 0xFFFFFFFF so that it matches nothing).
uint32_t decode_at(std::string_view s, size_t i, size_t& len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    len = 1;
    return 0xFFFFFFFFu;
  }
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      len = 1;
      return 0xFFFFFFFFu;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  len = n;
  return cp;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

}  // namespace

Hit find_first(std::string_view text, size_t from, std::initializer_list<std::string_view> needles) {
  Hit best{text.size(), text.size(), -1};
  int idx = 0;
  for (std::string_view n : needles) {
    size_t p = from <= text.size() ? text.find(n, from) : std::string_view::npos;
    if (p != std::string_view::npos && p < best.pos) best = Hit{p, p + n.size(), idx};
    ++idx;
  }
  return best;
}

bool match_invoke_header(std::string_view h, std::string& name) {
  size_t i = 0;
  while (i < h.size()) {
    size_t len;
    if (!is_python_space(decode_at(h, i, len))) break;
    i += len;
  }
  constexpr std::string_view kName = "name=\"";
  if (h.substr(i, kName.size()) != kName) return false;
  std::string_view rest = h.substr(i + kName.size());
  // NAME (any characters) then `">\n` at the very end, or before one final newline.
  if (ends_with(rest, "\">\n\n")) {
    name = rest.substr(0, rest.size() - 4);
    return true;
  }
  if (ends_with(rest, "\">\n")) {
    name = rest.substr(0, rest.size() - 3);
    return true;
  }
  return false;
}

bool invoke_header_could_match(std::string_view h) {
  size_t i = 0;
  while (i < h.size()) {
    unsigned char c = static_cast<unsigned char>(h[i]);
    size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + need > h.size()) return true;  // an incomplete character: undecided
    size_t len;
    if (!is_python_space(decode_at(h, i, len))) break;
    i += len;
  }
  constexpr std::string_view kName = "name=\"";
  std::string_view rest = h.substr(i);
  return rest.size() <= kName.size() ? kName.substr(0, rest.size()) == rest : rest.substr(0, kName.size()) == kName;
}

bool match_param_body(std::string_view b, Param& out) {
  constexpr std::string_view kHead = " name=\"";
  constexpr std::string_view kMid = "\" string=\"";
  if (b.substr(0, kHead.size()) != kHead) return false;
  // VALUE ends at a '<' that is last, or followed only by one final newline.
  size_t value_end;
  if (ends_with(b, "<\n")) {
    value_end = b.size() - 2;
  } else if (ends_with(b, "<")) {
    value_end = b.size() - 1;
  } else {
    return false;
  }
  // The shortest KEY after which `" string="(true|false)">` follows and VALUE fits.
  for (size_t k = kHead.size(); k < b.size(); ++k) {
    if (b.substr(k, kMid.size()) != kMid) continue;
    size_t p = k + kMid.size();
    bool is_string;
    if (b.substr(p, 6) == "true\">") {
      is_string = true;
      p += 6;
    } else if (b.substr(p, 7) == "false\">") {
      is_string = false;
      p += 7;
    } else {
      continue;
    }
    if (p > value_end) continue;
    out.key = b.substr(kHead.size(), k - kHead.size());
    out.is_string = is_string;
    out.value = b.substr(p, value_end - p);
    return true;
  }
  return false;
}

int match_param_head(std::string_view b, Param& out, size_t& head_len) {
  constexpr std::string_view kHead = " name=\"";
  constexpr std::string_view kTrue = "\" string=\"true\">";
  constexpr std::string_view kFalse = "\" string=\"false\">";
  if (b.size() < kHead.size()) return kHead.substr(0, b.size()) == b ? 0 : -1;
  if (b.substr(0, kHead.size()) != kHead) return -1;
  // match_param_body's shortest KEY: the first k where either ending follows; a k whose
  // text is still a prefix of one may yet match, so nothing after it is decided.
  for (size_t k = kHead.size(); k < b.size(); ++k) {
    std::string_view rest = b.substr(k);
    for (std::string_view end : {kTrue, kFalse}) {
      if (rest.substr(0, end.size()) == end) {
        out.key = b.substr(kHead.size(), k - kHead.size());
        out.is_string = end == kTrue;
        out.value.clear();
        head_len = k + end.size();
        return 1;
      }
      if (rest.size() < end.size() && end.substr(0, rest.size()) == rest) return 0;
    }
  }
  return 0;
}

std::string arguments_json(const std::vector<Param>& params, bool verbatim_values) {
  std::string out = "{";
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    if (i) out += ", ";
    out += py_dumps_string(p.key);
    out += ": ";
    if (!p.is_string && (verbatim_values || is_json_text(p.value))) {
      out += p.value;
    } else {
      out += py_dumps_string(p.value);
    }
  }
  out += '}';
  return out;
}

bool contains_special_token(std::string_view s) {
  for (std::string_view t : {lit::kBos, lit::kEos, lit::kThinkOpen, lit::kThinkClose, lit::kDsml}) {
    if (s.find(t) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace dseek::chat::detail
