// The web chat (GET / and GET /index.html): one static HTML page, src/server/web/chat.html,
// compiled into the binary by cmake/embed_file.cmake, so `dseek serve` needs no files at run
// time. The page talks to this server only (POST /v1/chat/completions, GET /props,
// GET /v1/models); `--no-webui` (ServerOptions::web_ui) turns the routes off.
#pragma once
#include <httplib.h>

#include <string>
#include <string_view>

#include "server/state.h"

namespace dseek::server {

// The page's bytes exactly as chat.html held them at build time (UTF-8 HTML).
std::string_view web_chat_page();

// True for the paths the page is served at ("/", "/index.html"). They need no API key: the
// page holds no data, and it asks the user for the key the API routes need.
bool is_web_chat_path(const std::string& path);

// 200 with the page: `Content-Type: text/html; charset=utf-8` and a Content-Security-Policy
// that lets it load nothing from elsewhere and talk to this origin only.
void handle_web_chat(ServerState& st, const httplib::Request& req, httplib::Response& res);

}  // namespace dseek::server
