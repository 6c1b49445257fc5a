// Loading the DeepSeek-V3 / V3-0324 and V3.1 chat vectors (tests/data/vectors/chat-v3 and
// chat-v3.1, rendered with the checkpoints' own Jinja templates) for the v3_*_test.cc files.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chat/python_json.h"
#include "test_paths.h"

namespace dseek::chat::v3::test {

// All lines of vectors/<dir>/<name> ("chat-v3" or "chat-v3.1"), keys in document order. Empty
// when the file is missing; the count tests catch that.
inline std::vector<Json> load_jsonl(const std::string& dir, const std::string& name) {
  std::vector<Json> out;
  const std::string path = dseek::test::data_path("vectors/" + dir + "/" + name);
  if (path.empty()) return out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

// One vector with the format it belongs to, for parameterised tests.
struct Case {
  std::string dir;  // "chat-v3" or "chat-v3.1"
  Json v;
};

inline std::vector<Case> cases(const std::string& name) {
  std::vector<Case> out;
  for (const char* dir : {"chat-v3", "chat-v3.1"})
    for (Json& v : load_jsonl(dir, name)) out.push_back({dir, std::move(v)});
  return out;
}

// A gtest-safe name: chat-v3.1 + enc-tools-01 -> v3_1_enc_tools_01.
struct CaseName {
  std::string operator()(const ::testing::TestParamInfo<Case>& info) const {
    std::string s = info.param.dir.substr(5) + "_" + info.param.v["case_id"].get<std::string>();
    for (char& ch : s)
      if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return s;
  }
};

inline void PrintTo(const Case& c, std::ostream* os) { *os << c.dir << " " << c.v["case_id"].get<std::string>(); }

}  // namespace dseek::chat::v3::test
