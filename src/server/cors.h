// CORS for browser clients (`serve --cors-origin`): which page origins may read the API's
// responses, and the answer to a browser's preflight OPTIONS request. With no origins
// configured nothing is added and OPTIONS is not answered (a browser then refuses to call
// the API from another origin). Header semantics: the Fetch standard's CORS protocol.
#pragma once
#include <httplib.h>

#include <string>
#include <vector>

namespace dseek::server {

class Cors {
 public:
  Cors() = default;
  // `origins`: each "*" (any page) or an origin "http[s]://host[:port]" (a trailing "/" is
  // dropped). Throws dseek::Error naming the value that is neither.
  explicit Cors(const std::vector<std::string>& origins);

  bool enabled() const { return any_ || !origins_.empty(); }

  // Sets Access-Control-Allow-Origin on `res` when the request may be read: "*" when any
  // origin is allowed, else the request's Origin header if it is one of the configured
  // origins (with Vary: Origin, so caches keep the answers apart). Nothing otherwise.
  void apply(const httplib::Request& req, httplib::Response& res) const;

  // Answers a preflight (any OPTIONS request) with 204: apply()'s origin header plus
  // Access-Control-Allow-Methods (GET, POST, OPTIONS), Access-Control-Allow-Headers
  // (Authorization, Content-Type and whatever the browser asked for in
  // Access-Control-Request-Headers) and Access-Control-Max-Age (seconds).
  void preflight(const httplib::Request& req, httplib::Response& res) const;

  static constexpr int kMaxAgeSeconds = 86400;

 private:
  bool any_ = false;
  std::vector<std::string> origins_;
};

}  // namespace dseek::server
