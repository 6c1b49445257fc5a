// The GPT-2 byte-level alphabet: every byte 0..255 is shown as one printable code point so
// BPE vocab pieces are valid text ("Ġ" is the space byte, "Ċ" the newline byte).
#pragma once
#include <string>
#include <string_view>

namespace dseek::byte_level {

// Returns the code point that stands for byte `b` in vocab pieces.
char32_t byte_to_char(unsigned char b);

// Returns the piece spelling of raw `bytes` (each byte replaced by its code point, UTF-8).
std::string bytes_to_piece(std::string_view bytes);

// Converts a vocab piece back to raw bytes into `out` (cleared first). Returns false, leaving
// `out` unspecified, when the piece is not valid UTF-8 or uses a code point outside the
// alphabet; callers then treat the piece's own UTF-8 as its bytes (as HF's decoder does).
bool piece_to_bytes(std::string_view piece, std::string& out);

}  // namespace dseek::byte_level
