// Loading the DeepSeek-V4 chat vectors (tests/data/vectors/chat-v4, made with DeepSeek's
// encoding_dsv4.py) for the v4_*_test.cc files.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chat/python_json.h"
#include "test_paths.h"

namespace dseek::chat::v4::test {

// The path of vectors/chat-v4/<name>; empty when missing.
inline std::string vector_path(const std::string& name) { return dseek::test::data_path("vectors/chat-v4/" + name); }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// All lines of a .jsonl file, keys in document order. Empty when the file is missing.
inline std::vector<Json> load_jsonl(const std::string& name) {
  std::vector<Json> out;
  std::string path = vector_path(name);
  if (path.empty()) return out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

// The reference's error text without its exception class ("AssertionError: ..."), and for
// "Invalid task" without the list of valid tasks (a Python set: its order varies by run).
inline std::string reference_reason(const std::string& error) {
  std::string s = error.substr(error.find(": ") + 2);
  if (size_t p = s.find(". Valid tasks are:"); p != std::string::npos) s = s.substr(0, p);
  return s;
}

// A gtest-safe name for a vector id: enc004.last_assistant -> enc004_last_assistant.
struct IdName {
  std::string operator()(const ::testing::TestParamInfo<Json>& info) const {
    std::string s = info.param["id"].get<std::string>();
    for (char& ch : s) {
      if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return s;
  }
};

}  // namespace dseek::chat::v4::test
