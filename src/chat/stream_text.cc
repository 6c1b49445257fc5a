// Hold-back rules of the streaming parsers (stream_text.h).
#include "chat/stream_text.h"

#include <algorithm>

namespace dseek::chat::detail {

size_t marker_tail(std::string_view s, std::initializer_list<std::string_view> needles) {
  size_t best = 0;
  for (std::string_view n : needles) {
    for (size_t k = std::min(n.size() - 1, s.size()); k > best; --k) {
      if (s.substr(s.size() - k) == n.substr(0, k)) {
        best = k;
        break;
      }
    }
  }
  return best;
}

size_t utf8_boundary(std::string_view s, size_t from, size_t to) {
  for (size_t back = 1; back <= 3 && to >= from + back; ++back) {
    unsigned char c = static_cast<unsigned char>(s[to - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    return need > back ? to - back : to;
  }
  return to;
}

}  // namespace dseek::chat::detail
