#include "server/web/web_ui.h"

#include <cstddef>

// Defined in the source cmake/embed_file.cmake generates from chat.html (build directory).
namespace dseek::server::web {
extern const unsigned char kChatHtml[];
extern const std::size_t kChatHtml_size;
}  // namespace dseek::server::web

namespace dseek::server {

std::string_view web_chat_page() {
  return {reinterpret_cast<const char*>(web::kChatHtml), web::kChatHtml_size};
}

bool is_web_chat_path(const std::string& path) { return path == "/" || path == "/index.html"; }

void handle_web_chat(ServerState&, const httplib::Request&, httplib::Response& res) {
  // The page's own inline style and script, requests to this origin, nothing else: no
  // external script, font or image can load even if text were ever rendered as HTML.
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                 "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-cache");  // a new build's page is picked up at once
  const std::string_view page = web_chat_page();
  res.set_content(page.data(), page.size(), "text/html; charset=utf-8");
}

}  // namespace dseek::server
