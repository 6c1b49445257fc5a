#include "server/cors.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "runtime/error.h"

namespace dseek::server {

namespace {

bool lower_equal(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// An HTTP header name (RFC 9110 token).
bool is_token(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// "scheme://host[:port]" with scheme http or https and no path, query or user info.
bool is_origin(const std::string& s) {
  std::string rest;
  if (s.rfind("http://", 0) == 0) rest = s.substr(7);
  else if (s.rfind("https://", 0) == 0) rest = s.substr(8);
  else return false;
  return !rest.empty() && rest.find_first_of("/?#@ \t") == std::string::npos;
}

// Authorization and Content-Type (what every client here sends) plus the valid names of the
// browser's comma-separated Access-Control-Request-Headers (the OpenAI and Anthropic browser
// SDKs add their own x-... headers), each once.
std::string allow_headers(const std::string& requested) {
  std::vector<std::string> names = {"Authorization", "Content-Type"};
  size_t pos = 0;
  while (pos <= requested.size()) {
    size_t end = requested.find(',', pos);
    if (end == std::string::npos) end = requested.size();
    std::string name = requested.substr(pos, end - pos);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (is_token(name) &&
        std::none_of(names.begin(), names.end(), [&](const std::string& n) { return lower_equal(n, name); }))
      names.push_back(name);
    pos = end + 1;
  }
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Cors::Cors(const std::vector<std::string>& origins) {
  for (const std::string& given : origins) {
    if (given == "*") {
      any_ = true;
      continue;
    }
    std::string o = given;
    if (!o.empty() && o.back() == '/') o.pop_back();
    if (!is_origin(o))
      throw Error("--cors-origin '" + given + "' is not an origin: give * or scheme://host[:port] (e.g. http://localhost:3000)");
    origins_.push_back(o);
  }
}

void Cors::apply(const httplib::Request& req, httplib::Response& res) const {
  if (any_) {
    res.set_header("Access-Control-Allow-Origin", "*");
    return;
  }
  if (origins_.empty()) return;
  res.set_header("Vary", "Origin");
  const std::string origin = req.get_header_value("Origin");
  // Scheme and host are case-insensitive; browsers send them in lower case.
  for (const auto& o : origins_)
    if (lower_equal(o, origin)) {
      res.set_header("Access-Control-Allow-Origin", origin);
      return;
    }
}

void Cors::preflight(const httplib::Request& req, httplib::Response& res) const {
  apply(req, res);
  res.status = 204;
  res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  res.set_header("Access-Control-Allow-Headers", allow_headers(req.get_header_value("Access-Control-Request-Headers")));
  res.set_header("Access-Control-Max-Age", std::to_string(kMaxAgeSeconds));
}

}  // namespace dseek::server
