// tiny-v4 as a runnable model directory for the front-end tests: fixtures-v4/tiny-v4 has no
// tokenizer, so TinyV4Dir makes a temporary directory with symlinks to its files plus
// fixtures-v4/tiny-v4-tokenizer/tokenizer.json (byte-level BPE, vocab 512, V4's chat tokens as
// added tokens; see make_tokenizer.py there). Removed on destruction.
#pragma once
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "test_paths.h"

namespace dseek::test {

class TinyV4Dir {
 public:
  // path() is empty when the fixture or the tokenizer is missing (tests then skip).
  TinyV4Dir() {
    namespace fs = std::filesystem;
    const std::string src = data_path("fixtures-v4/tiny-v4");
    const std::string tok = data_path("fixtures-v4/tiny-v4-tokenizer/tokenizer.json");
    if (src.empty() || tok.empty()) return;
    static std::atomic<int> counter{0};
    fs::path d = fs::temp_directory_path() /
                 ("dseek_tiny_v4_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)) / "tiny-v4";
    fs::create_directories(d);
    for (const auto& e : fs::directory_iterator(src)) fs::create_symlink(fs::absolute(e.path()), d / e.path().filename());
    fs::copy_file(tok, d / "tokenizer.json");
    path_ = d.string();
  }
  ~TinyV4Dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(std::filesystem::path(path_).parent_path(), ec);
  }
  TinyV4Dir(const TinyV4Dir&) = delete;
  TinyV4Dir& operator=(const TinyV4Dir&) = delete;
  const std::string& path() const { return path_; }
  // A file path inside the temporary directory (beside the model directory).
  std::string scratch(const std::string& name) const {
    return (std::filesystem::path(path_).parent_path() / name).string();
  }

 private:
  std::string path_;
};

}  // namespace dseek::test
