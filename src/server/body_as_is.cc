#include "server/body_as_is.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace dseek::server {

namespace {

bool is_form_type(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v.rfind("application/x-www-form-urlencoded", 0) == 0 || v.rfind("multipart/form-data", 0) == 0;
}

}  // namespace

void read_body_as_is(const httplib::Request& req) {
  // The Request is cpp-httplib's own non-const object (Server::process_request's local), so
  // writing through the const view is defined; routing reads the headers only after this.
  auto& headers = const_cast<httplib::Headers&>(req.headers);
  for (auto it = headers.begin(); it != headers.end();) {
    const bool content_type = it->first.size() == 12 && std::equal(it->first.begin(), it->first.end(), "content-type",
        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    it = content_type && is_form_type(it->second) ? headers.erase(it) : std::next(it);
  }
}

}  // namespace dseek::server
