#include "tokenizer/byte_level.h"

#include <array>
#include <cstdint>

#include "tokenizer/utf8.h"

namespace dseek::byte_level {
namespace {

// Code points used by the alphabet are all below 324 (256 + the 68 non-printable bytes).
constexpr int kMaxChar = 324;

struct Table {
  std::array<char32_t, 256> to_char{};
  std::array<int16_t, kMaxChar> to_byte{};

  Table() {
    to_byte.fill(-1);
    // Printable Latin-1 bytes stand for themselves; the rest get 256, 257, ... in byte order.
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const int c = printable(b) ? b : next++;
      to_char[b] = static_cast<char32_t>(c);
      to_byte[c] = static_cast<int16_t>(b);
    }
  }
};

const Table& table() {
  static const Table t;
  return t;
}

}  // namespace

char32_t byte_to_char(unsigned char b) { return table().to_char[b]; }

std::string bytes_to_piece(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) utf8::append_code_point(table().to_char[b], out);
  return out;
}

bool piece_to_bytes(std::string_view piece, std::string& out) {
  out.clear();
  const Table& t = table();
  size_t i = 0;
  while (i < piece.size()) {
    // Alphabet code points are < 324, so only 1- and 2-byte UTF-8 forms can qualify.
    const auto b0 = static_cast<uint8_t>(piece[i]);
    int cp;
    if (b0 < 0x80) {
      cp = b0;
      i += 1;
    } else if (b0 >= 0xC2 && b0 <= 0xDF && i + 1 < piece.size() &&
               (static_cast<uint8_t>(piece[i + 1]) & 0xC0) == 0x80) {
      cp = ((b0 & 0x1F) << 6) | (static_cast<uint8_t>(piece[i + 1]) & 0x3F);
      i += 2;
    } else {
      return false;
    }
    if (cp >= kMaxChar || t.to_byte[cp] < 0) return false;
    out += static_cast<char>(t.to_byte[cp]);
  }
  return true;
}

}  // namespace dseek::byte_level
