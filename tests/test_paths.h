// Where the tests find their data: the repo's own copies first (a user's clone has no
// ../shared), then ../shared beside the repo (CI and developers have it).
#pragma once
#include <filesystem>
#include <string>

namespace dseek::test {

inline std::string repo_dir() { return DSEEK_REPO_DIR; }
inline std::string dseek_binary() { return DSEEK_BINARY; }

// tests/data/<rel> in the repo, else ../shared/<rel>; empty when neither exists.
inline std::string data_path(const std::string& rel) {
  namespace fs = std::filesystem;
  fs::path a = fs::path(repo_dir()) / "tests" / "data" / rel;
  if (fs::exists(a)) return a.string();
  fs::path b = fs::path(repo_dir()) / ".." / "shared" / rel;
  if (fs::exists(b)) return b.string();
  return {};
}

}  // namespace dseek::test
