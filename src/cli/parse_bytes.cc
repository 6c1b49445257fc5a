#include <cctype>
#include <cmath>

#include "cli/commands.h"
#include "runtime/error.h"

namespace dseek::cli {

int64_t parse_bytes(const std::string& s, const std::string& flag) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    throw Error(flag + ": '" + s + "' is not a size (e.g. 512M, 2G)");
  }
  std::string unit = s.substr(used);
  for (auto& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  double mult = 1;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K" || unit == "KB" || unit == "KIB") mult = 1024.0;
  else if (unit == "M" || unit == "MB" || unit == "MIB") mult = 1024.0 * 1024;
  else if (unit == "G" || unit == "GB" || unit == "GIB") mult = 1024.0 * 1024 * 1024;
  else if (unit == "T" || unit == "TB" || unit == "TIB") mult = 1024.0 * 1024 * 1024 * 1024;
  else throw Error(flag + ": unknown unit '" + unit + "' in '" + s + "'");
  if (!(v > 0) || !std::isfinite(v)) throw Error(flag + ": must be positive, got '" + s + "'");
  if (v * mult >= 0x1p62) throw Error(flag + ": '" + s + "' is too large");  // else the cast overflows
  return static_cast<int64_t>(v * mult);
}

}  // namespace dseek::cli
