// Every API body is JSON whatever its Content-Type says. `curl -d @file` sends
// application/x-www-form-urlencoded, which cpp-httplib parses itself before any route runs and
// refuses with 413 above CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH (8 KB, compiled into
// Debian's shared libcpp-httplib, so a compile definition here cannot raise it); a
// multipart/form-data body it would take apart into files and leave req.body empty.
#pragma once
#include <httplib.h>

namespace dseek::server {

// Called from the pre-routing handler (before cpp-httplib reads the body): drops a form
// Content-Type (application/x-www-form-urlencoded, multipart/form-data) from req so the body is
// read whole, up to --max-body-bytes, and parsed as JSON like any other.
// cpp-httplib hands the pre-routing handler a const view of its own non-const Request.
void read_body_as_is(const httplib::Request& req);

}  // namespace dseek::server
