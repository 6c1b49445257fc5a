// dseek::Error — the one exception type the core throws for bad input (a corrupt
// checkpoint, a malformed request, an invalid conversation). Front ends catch it and
// print what() — which always names the file / tensor / field at fault — and exit non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace dseek {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace dseek
