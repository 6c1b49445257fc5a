// Shared helpers of the convert tests: a temp directory and the tiny FP8 fixture quantised
// once per type.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "convert/quantize.h"
#include "test_paths.h"

namespace dseek::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dseek-convert-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Names of the entries, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    for (const auto& e : std::filesystem::directory_iterator(path_)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }

 private:
  std::string path_;
};

inline std::string tiny_moe_dir() { return data_path("fixtures/tiny-moe-dsa"); }

struct Quantized {
  std::unique_ptr<Checkpoint> source;
  QuantizePlan plan;
  QuantizeResult result;
};

// tiny-moe-dsa quantised to `ft` (one file, no tokenizer), kept for the whole test program.
inline const Quantized& quantized_tiny(FileType ft) {
  static TempDir dir;
  static std::map<FileType, Quantized> cache;
  auto it = cache.find(ft);
  if (it != cache.end()) return it->second;
  Quantized q;
  q.source = Checkpoint::open(tiny_moe_dir());
  QuantizeOptions o;
  o.out = dir.file("tiny-" + file_type_name(ft) + ".gguf");
  o.type = ft;
  o.no_vocab = true;
  q.plan = plan_quantize(*q.source, o);
  q.result = write_quantized(*q.source, q.plan, nullptr, false);
  return cache.emplace(ft, std::move(q)).first->second;
}

}  // namespace dseek::test
