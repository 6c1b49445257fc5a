// Loading the chat vectors (tests/data/vectors/chat/*.jsonl) for the chat tests.
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "chat/python_json.h"
#include "test_paths.h"

namespace dseek::chat::test {

// All lines of vectors/chat/<name>, parsed keeping key order (tool schemas are printed in
// document order). Empty when the file is missing; the Count tests catch that.
inline std::vector<Json> load_vectors(const std::string& name) {
  std::vector<Json> out;
  std::string path = dseek::test::data_path("vectors/chat/" + name);
  if (path.empty()) return out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

// A gtest-safe name for a case id: enc-tools-01 -> enc_tools_01.
inline std::string case_name(const Json& c) {
  std::string s = c["case_id"].get<std::string>();
  for (char& ch : s) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

struct CaseName {
  std::string operator()(const ::testing::TestParamInfo<Json>& info) const { return case_name(info.param); }
};

}  // namespace dseek::chat::test
