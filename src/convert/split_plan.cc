#include "convert/split_plan.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "runtime/error.h"

namespace dseek {

std::vector<int> split_tensors(const std::vector<uint64_t>& tensor_bytes, uint64_t max_bytes, int max_tensors) {
  std::vector<int> part(tensor_bytes.size(), 0);
  int cur = 0;
  uint64_t size = 0;
  int count = 0;
  for (size_t i = 0; i < tensor_bytes.size(); ++i) {
    const uint64_t b = (tensor_bytes[i] + 31) / 32 * 32;
    const bool full = (max_bytes > 0 && size + b > max_bytes) || (max_tensors > 0 && count >= max_tensors);
    if (count > 0 && full) {
      ++cur;
      size = 0;
      count = 0;
    }
    part[i] = cur;
    size += b;
    ++count;
  }
  return part;
}

std::vector<std::string> split_paths(const std::string& out, int parts) {
  if (parts <= 1) return {out};
  std::string prefix = out;
  if (prefix.size() > 5 && prefix.compare(prefix.size() - 5, 5, ".gguf") == 0) prefix.resize(prefix.size() - 5);
  std::vector<std::string> paths;
  for (int i = 1; i <= parts; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "-%05d-of-%05d.gguf", i, parts);
    paths.push_back(prefix + buf);
  }
  return paths;
}

uint64_t parse_split_size(const std::string& s) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(s, &used);
  } catch (const std::exception&) {
    throw Error("--split-max-size: '" + s + "' is not a size (e.g. 50G, 500M)");
  }
  std::string unit = s.substr(used);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double mult;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K" || unit == "KB") mult = 1e3;
  else if (unit == "M" || unit == "MB") mult = 1e6;
  else if (unit == "G" || unit == "GB") mult = 1e9;
  else if (unit == "T" || unit == "TB") mult = 1e12;
  else throw Error("--split-max-size: unknown unit '" + unit + "' in '" + s + "' (K, M, G, T: powers of 1000)");
  if (!(v > 0) || !std::isfinite(v)) throw Error("--split-max-size: must be positive, got '" + s + "'");
  return static_cast<uint64_t>(v * mult);
}

}  // namespace dseek
