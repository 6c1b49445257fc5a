// Small file helpers shared by the sub-commands.
#pragma once
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/error.h"

namespace dseek::cli {

// The whole file; a directory, an unreadable or a missing file is an error naming it.
// "1.50 GiB": bytes in binary units with two decimals (inspect's tables).
inline std::string human_bytes(double bytes) {
  const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (bytes >= 1024 && i < 4) {
    bytes /= 1024;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", bytes, u[i]);
  return buf;
}

inline std::string read_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(path + ": read error");
  return ss.str();
}

// Parses a JSON file (key order kept), naming the file in the error.
inline nlohmann::ordered_json read_json_file(const std::string& path) {
  std::string text = read_file(path);
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
}

// A JSON array of token ids, each an integer in [0, vocab): errors name the file and index.
inline std::vector<int32_t> read_token_ids(const nlohmann::json& j, const std::string& file, int64_t vocab) {
  if (!j.is_array()) throw Error(file + ": expected a JSON array of token ids");
  std::vector<int32_t> ids;
  ids.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& v = j[i];
    if (!v.is_number_integer()) throw Error(file + ": element " + std::to_string(i) + " is not an integer token id");
    const bool neg = v.is_number_unsigned() ? false : v.get<int64_t>() < 0;
    const uint64_t u = v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(neg ? 0 : v.get<int64_t>());
    if (neg || u >= static_cast<uint64_t>(vocab))
      throw Error(file + ": token id " + v.dump() + " (element " + std::to_string(i) + ") out of range [0, " +
                  std::to_string(vocab) + ")");
    ids.push_back(static_cast<int32_t>(u));
  }
  return ids;
}

}  // namespace dseek::cli
