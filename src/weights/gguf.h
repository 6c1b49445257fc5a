// Zero-copy reader of one GGUF file (llama.cpp's format, versions 2 and 3), little-endian:
//   magic "GGUF", u32 version, u64 n_tensors, u64 n_kv,
//   n_kv x (string key, u32 value type, value),      string = u64 length + bytes
//   n_tensors x (string name, u32 n_dims, n_dims x u64 ne, u32 ggml type, u64 offset),
//   padding to `general.alignment` (default 32), then the data block; offsets are relative
//   to it and aligned. Source: ggml/docs/gguf.md (public format description).
// The file is mmap'd read-only; each tensor is a TensorView into the mapping whose shape is
// ggml's `ne` reversed (numpy order: a 2-D weight with ne [in, out] is the HF [out, in]).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weights/mapped_file.h"
#include "weights/safetensors.h"

namespace dseek {

// GGUF metadata value types (gguf_type).
enum class GgufType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
const char* gguf_type_name(GgufType t);

// One metadata value. Scalars: integers in `i` (unsigned values up to 2^63 fit), floats in
// `f`, bools in `i` (0/1), strings in `s`. Arrays: `elem` is the element type and exactly one
// of `ints` / `floats` / `strs` holds the elements (bools and integers in `ints`).
struct GgufValue {
  GgufType type = GgufType::UINT32;
  GgufType elem = GgufType::UINT32;  // ARRAY only
  int64_t i = 0;
  double f = 0.0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> strs;
  size_t array_size() const { return ints.size() + floats.size() + strs.size(); }
};

class GgufFile {
 public:
  // Maps `path` and validates it: magic, version 2 or 3, counts within the file, every
  // string/array length within the file, every tensor with a ggml type dseek knows (else
  // "PATH: tensor 'NAME' has ggml type IQ2_XS (16), which dseek does not support"), a row
  // length that is a multiple of the type's block, data inside the file. Throws dseek::Error
  // naming the file (and key or tensor) on any defect.
  static std::unique_ptr<GgufFile> open(const std::string& path);
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  size_t file_size() const { return map_.size(); }
  const std::map<std::string, GgufValue>& metadata() const { return kv_; }
  // Tensors by their GGUF names ("blk.0.attn_q_a.weight"), in file order in tensor_order().
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::vector<std::string>& tensor_order() const { return order_; }
  const TensorView* find(const std::string& name) const;

  // Metadata look-ups. find_kv: nullptr when absent. The typed getters throw dseek::Error
  // "PATH: metadata key 'KEY' has type T, expected ..." for a wrong type and "...: missing
  // metadata key 'KEY'" when absent; integer getters accept any integer type in range.
  const GgufValue* find_kv(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_float(const std::string& key) const;   // FLOAT32/FLOAT64 (or an integer)
  double get_float(const std::string& key, double fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::string get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  const std::vector<std::string>& get_string_array(const std::string& key) const;
  const std::vector<int64_t>& get_int_array(const std::string& key) const;
  const std::vector<double>& get_float_array(const std::string& key) const;

 private:
  GgufFile() = default;
  std::string path_;
  uint32_t version_ = 0;
  size_t alignment_ = 32;
  MappedFile map_;
  std::map<std::string, GgufValue> kv_;
  std::map<std::string, TensorView> tensors_;
  std::vector<std::string> order_;
};

}  // namespace dseek
