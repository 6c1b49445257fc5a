// Shared helpers of the GGUF tests: fixture paths, a private temp dir, byte-level edits of
// fixture files and a rewrite through GgufWriter with edited metadata.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "runtime/error.h"
#include "test_paths.h"
#include "weights/gguf.h"
#include "weights/gguf_writer.h"

namespace dseek::test {

inline std::string gguf_fixture(const std::string& name) {
  return data_path("fixtures/gguf/gguf-v32/" + name);
}
inline std::string vocab_only_gguf() { return data_path("fixtures/gguf/tokenizer-deepseek-v32-vocab-only.gguf"); }

// A fresh directory per test, removed at the end.
struct TempDir {
  std::filesystem::path dir;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = std::filesystem::temp_directory_path() /
          ("dseek_gguf_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~TempDir() { std::filesystem::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}
inline void write_bytes(const std::string& path, const std::vector<uint8_t>& b, size_t n = SIZE_MAX) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(std::min(n, b.size())));
}

// Offset just past the length-prefixed string `s` in the header (u64 length + bytes): the
// start of what follows a key or tensor name. Fails the test when absent.
inline size_t after_string(const std::vector<uint8_t>& b, const std::string& s) {
  std::vector<uint8_t> pat(8 + s.size());
  uint64_t n = s.size();
  std::memcpy(pat.data(), &n, 8);
  std::copy(s.begin(), s.end(), pat.begin() + 8);
  auto it = std::search(b.begin(), b.end(), pat.begin(), pat.end());
  EXPECT_NE(it, b.end()) << "string '" << s << "' not in the header";
  return static_cast<size_t>(it - b.begin()) + pat.size();
}
template <class T>
void poke(std::vector<uint8_t>& b, size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof(T));
}

// Runs `f` and returns the dseek::Error message it throws ("" and a test failure if none).
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no dseek::Error thrown";
  return "";
}

// Rewrites `src` to `dst` through GgufWriter: metadata in key order, edited by `edit` (which
// may set or replace keys) unless `skip` names them; tensors in file order, byte for byte,
// then `extra` tensors.
inline void rewrite_gguf(const GgufFile& src, const std::string& dst,
                         const std::function<void(GgufWriter&)>& edit = {},
                         const std::vector<std::string>& skip = {},
                         const std::vector<TensorData>& extra = {}) {
  GgufWriter w(dst);
  for (const auto& [k, v] : src.metadata())
    if (std::find(skip.begin(), skip.end(), k) == skip.end()) w.set(k, v);
  if (edit) edit(w);
  for (const auto& name : src.tensor_order()) {
    const TensorView& t = src.tensors().at(name);
    w.add_tensor(name, t.dtype, t.shape);
  }
  for (const auto& t : extra) w.add_tensor(t.name, t.dtype, t.shape);
  w.write_header();
  for (const auto& name : src.tensor_order()) {
    const TensorView& t = src.tensors().at(name);
    w.write_tensor(name, t.data, t.nbytes);
  }
  for (const auto& t : extra) w.write_tensor(t.name, t.bytes.data(), t.bytes.size());
  w.finish();
}

}  // namespace dseek::test
