// Unicode 15.0-16.0 additions to the general categories the pre-tokenizer regexes use.
#include "tokenizer/unicode_additions.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace dseek {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// Code points assigned in Unicode 15.0, 15.1 or 16.0, by general category group. Unicode 14
// (PCRE2 10.42) has them all as unassigned (Cn). Every code point listed was checked against
// Hugging Face tokenizers 0.23.2 (Oniguruma, Unicode 16.0) and the Python `regex` module
// (Unicode 17.0 data); no code point changed group between Unicode 14 and 16 otherwise.

// L (Letter): 9272 code points.
constexpr Range kLetter[] = {
    {0x1C89, 0x1C8A}, {0xA7CB, 0xA7CD}, {0xA7DA, 0xA7DC}, {0x105C0, 0x105F3}, {0x10D4A, 0x10D65},
    {0x10D6F, 0x10D85}, {0x10EC2, 0x10EC4}, {0x1123F, 0x11240}, {0x11380, 0x11389},
    {0x1138B, 0x1138B}, {0x1138E, 0x1138E}, {0x11390, 0x113B5}, {0x113B7, 0x113B7},
    {0x113D1, 0x113D1}, {0x113D3, 0x113D3}, {0x11BC0, 0x11BE0}, {0x11F02, 0x11F02},
    {0x11F04, 0x11F10}, {0x11F12, 0x11F33}, {0x1342F, 0x1342F}, {0x13441, 0x13446},
    {0x13460, 0x143FA}, {0x16100, 0x1611D}, {0x16D40, 0x16D6C}, {0x18CFF, 0x18CFF},
    {0x1B132, 0x1B132}, {0x1B155, 0x1B155}, {0x1DF25, 0x1DF2A}, {0x1E030, 0x1E06D},
    {0x1E4D0, 0x1E4EB}, {0x1E5D0, 0x1E5ED}, {0x1E5F0, 0x1E5F0}, {0x2B739, 0x2B739},
    {0x2EBF0, 0x2EE5D}, {0x31350, 0x323AF},
};

// M (Mark): 93 code points.
constexpr Range kMark[] = {
    {0x0897, 0x0897}, {0x0CF3, 0x0CF3}, {0x0ECE, 0x0ECE}, {0x10D69, 0x10D6D}, {0x10EFC, 0x10EFF},
    {0x11241, 0x11241}, {0x113B8, 0x113C0}, {0x113C2, 0x113C2}, {0x113C5, 0x113C5},
    {0x113C7, 0x113CA}, {0x113CC, 0x113D0}, {0x113D2, 0x113D2}, {0x113E1, 0x113E2},
    {0x11F00, 0x11F01}, {0x11F03, 0x11F03}, {0x11F34, 0x11F3A}, {0x11F3E, 0x11F42},
    {0x11F5A, 0x11F5A}, {0x13440, 0x13440}, {0x13447, 0x13455}, {0x1611E, 0x1612F},
    {0x1E08F, 0x1E08F}, {0x1E4EC, 0x1E4EF}, {0x1E5EE, 0x1E5EF},
};

// N (Number): 120 code points.
constexpr Range kNumber[] = {
    {0x10D40, 0x10D49}, {0x116D0, 0x116E3}, {0x11BF0, 0x11BF9}, {0x11F50, 0x11F59},
    {0x16130, 0x16139}, {0x16D70, 0x16D79}, {0x1CCF0, 0x1CCF9}, {0x1D2C0, 0x1D2D3},
    {0x1E4F0, 0x1E4F9}, {0x1E5F1, 0x1E5FA},
};

// P (Punctuation): 36 code points.
constexpr Range kPunctuation[] = {
    {0x1B4E, 0x1B4F}, {0x1B7F, 0x1B7F}, {0x10D6E, 0x10D6E}, {0x113D4, 0x113D5}, {0x113D7, 0x113D8},
    {0x11B00, 0x11B09}, {0x11BE1, 0x11BE1}, {0x11F43, 0x11F4F}, {0x16D6D, 0x16D6F},
    {0x1E5FF, 0x1E5FF},
};

// S (Symbol): 773 code points.
constexpr Range kSymbol[] = {
    {0x2427, 0x2429}, {0x2FFC, 0x2FFF}, {0x31E4, 0x31E5}, {0x31EF, 0x31EF}, {0x10D8E, 0x10D8F},
    {0x1CC00, 0x1CCEF}, {0x1CD00, 0x1CEB3}, {0x1F6DC, 0x1F6DC}, {0x1F774, 0x1F776},
    {0x1F77B, 0x1F77F}, {0x1F7D9, 0x1F7D9}, {0x1F8B2, 0x1F8BB}, {0x1F8C0, 0x1F8C1},
    {0x1FA75, 0x1FA77}, {0x1FA87, 0x1FA89}, {0x1FA8F, 0x1FA8F}, {0x1FAAD, 0x1FAAF},
    {0x1FABB, 0x1FABF}, {0x1FAC6, 0x1FAC6}, {0x1FACE, 0x1FACF}, {0x1FADA, 0x1FADC},
    {0x1FADF, 0x1FADF}, {0x1FAE8, 0x1FAE9}, {0x1FAF7, 0x1FAF8}, {0x1FBCB, 0x1FBEF},
};

template <size_t N>
std::string items(const Range (&ranges)[N]) {
  std::string out;
  char buf[32];
  for (const Range& r : ranges) {
    if (r.first == r.last) {
      std::snprintf(buf, sizeof buf, "\\x{%X}", static_cast<unsigned>(r.first));
    } else {
      std::snprintf(buf, sizeof buf, "\\x{%X}-\\x{%X}", static_cast<unsigned>(r.first),
                    static_cast<unsigned>(r.last));
    }
    out += buf;
  }
  return out;
}

// All groups merged and sorted by first code point, for has_unicode_additions().
const std::vector<Range>& all_ranges() {
  static const std::vector<Range> all = [] {
    std::vector<Range> v;
    auto add = [&v](const auto& group) {
      for (const Range& r : group) v.push_back(r);
    };
    add(kLetter);
    add(kMark);
    add(kNumber);
    add(kPunctuation);
    add(kSymbol);
    std::sort(v.begin(), v.end(), [](const Range& a, const Range& b) { return a.first < b.first; });
    return v;
  }();
  return all;
}

bool listed(char32_t cp) {
  const auto& v = all_ranges();
  auto it = std::upper_bound(v.begin(), v.end(), cp,
                             [](char32_t c, const Range& r) { return c < r.first; });
  return it != v.begin() && cp <= std::prev(it)->last;
}

}  // namespace

bool has_unicode_additions(std::string_view text) {
  // Every listed code point is >= U+0800, i.e. a 3- or 4-byte sequence; skip everything else.
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = p[i];
    if (b < 0xE0) continue;
    char32_t cp;
    if (b < 0xF0) {
      if (i + 2 >= n) break;
      cp = (static_cast<char32_t>(b & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
      i += 2;
    } else {
      if (i + 3 >= n) break;
      cp = (static_cast<char32_t>(b & 0x07) << 18) | ((p[i + 1] & 0x3F) << 12) |
           ((p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
      i += 3;
    }
    if (cp >= 0x0897 && listed(cp)) return true;
  }
  return false;
}

std::string unicode_additions(char category) {
  switch (category) {
    case 'L': return items(kLetter);
    case 'M': return items(kMark);
    case 'N': return items(kNumber);
    case 'P': return items(kPunctuation);
    case 'S': return items(kSymbol);
    default: return {};
  }
}

}  // namespace dseek
