#include "agent/markup.h"

#include <string_view>

namespace dseek::agent {

namespace {

constexpr std::string_view kBar = "｜";  // U+FF5C, the formats' delimiter
constexpr std::string_view kDsml = "｜DSML｜";

// Length of the markup starting at s[i] ('<'), or 0 when there is none.
size_t markup_len(std::string_view s, size_t i) {
  const std::string_view rest = s.substr(i);
  for (std::string_view think : {std::string_view("<think>"), std::string_view("</think>")})
    if (rest.starts_with(think)) return think.size();
  const size_t open = rest.size() > 1 && rest[1] == '/' ? 2 : 1;
  const std::string_view body = rest.substr(open);
  if (!body.starts_with(kBar)) return 0;
  if (body.starts_with(kDsml)) {  // <｜DSML｜name attributes…>: up to the '>' (attribute values hold no '>')
    const size_t end = rest.find('>', open + kDsml.size());
    if (end == std::string_view::npos || end > 512 || rest.substr(0, end).find('\n') != std::string_view::npos) return 0;
    return end + 1;
  }
  if (open != 1) return 0;  // markers have no closing form
  const size_t end = body.find("｜>", kBar.size());
  if (end == std::string_view::npos || end > 64) return 0;
  const std::string_view inner = body.substr(kBar.size(), end - kBar.size());
  if (inner.empty() || inner.find_first_of("<>\n ") != std::string_view::npos) return 0;
  return open + end + kBar.size() + 1;
}

}  // namespace

std::string strip_chat_markup(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = s[i] == '<' ? markup_len(s, i) : 0;
    if (n > 0) {
      i += n;
    } else {
      out += s[i++];
    }
  }
  return out;
}

}  // namespace dseek::agent
