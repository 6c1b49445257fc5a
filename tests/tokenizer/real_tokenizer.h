// The real DeepSeek-V3.2 tokenizer and JSONL readers shared by the tokenizer tests.
#pragma once
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace dseek::test {

inline std::string real_tokenizer_path() { return repo_dir() + "/models/nano-agent/tokenizer.json"; }

// Loaded once per test program: the file is 7.8 MB.
inline const Tokenizer& real_tokenizer() {
  static const Tokenizer tok = Tokenizer::load(real_tokenizer_path());
  return tok;
}

// Reads every line of the JSONL file at `path`; fails the test if there is none.
inline std::vector<nlohmann::json> read_jsonl_file(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  EXPECT_FALSE(rows.empty()) << "no vectors in " << path;
  return rows;
}

// Reads the JSONL file at data_path(rel) (the repo's tests/data, else ../shared).
inline std::vector<nlohmann::json> read_jsonl(const std::string& rel) {
  const std::string path = data_path(rel);
  EXPECT_FALSE(path.empty()) << "missing test data " << rel;
  return read_jsonl_file(path);
}

}  // namespace dseek::test
