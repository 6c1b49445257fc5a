#include "server/logprobs.h"

namespace dseek::server {

namespace {

// GPT-2 byte-level alphabet: printable Latin-1 bytes stand for themselves, the other 68
// bytes are written as U+0100 + their rank among those bytes.
bool printable(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255); }

int byte_of_codepoint(uint32_t cp) {
  if (cp < 256) return printable(static_cast<int>(cp)) ? static_cast<int>(cp) : -1;
  int rank = static_cast<int>(cp) - 256;
  for (int b = 0; b < 256; ++b) {
    if (printable(b)) continue;
    if (rank-- == 0) return b;
  }
  return -1;
}

// Decodes one UTF-8 code point at s[i]; advances i. Invalid input yields U+FFFD.
uint32_t next_codepoint(const std::string& s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
  if (n < 0 || i + n >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  uint32_t cp = n == 0 ? c : c & (0x3F >> n);
  for (int k = 1; k <= n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n + 1;
  return cp;
}

nlohmann::json bytes_json(const std::string& b) {
  auto arr = nlohmann::json::array();
  for (unsigned char c : b) arr.push_back(static_cast<int>(c));
  return arr;
}

nlohmann::json token_json(const Tokenizer& tok, int32_t id, float logprob) {
  std::string bytes = token_bytes(tok, id);
  return {{"token", tok.decode({id})}, {"logprob", logprob}, {"bytes", bytes_json(bytes)}};
}

}  // namespace

std::string token_bytes(const Tokenizer& tok, int32_t id) {
  std::string piece = tok.id_to_token(id);
  if (piece.empty() || tok.is_added(id)) return piece;
  std::string out;
  for (size_t i = 0; i < piece.size();) {
    int b = byte_of_codepoint(next_codepoint(piece, i));
    if (b < 0) return tok.decode({id});  // not a byte-level piece: fall back to its text
    out.push_back(static_cast<char>(b));
  }
  return out;
}

nlohmann::json logprob_entry(const Tokenizer& tok, const TokenEvent& ev, bool with_top) {
  nlohmann::json e = token_json(tok, ev.id, ev.logprob);
  e["top_logprobs"] = nlohmann::json::array();
  if (with_top)
    for (const auto& [id, lp] : ev.top) e["top_logprobs"].push_back(token_json(tok, id, lp));
  return e;
}

}  // namespace dseek::server
