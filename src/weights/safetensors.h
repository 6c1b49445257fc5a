// Zero-copy reader of one .safetensors file: the file is mmap'd read-only and each tensor
// is a view into the mapping. Format: 8-byte little-endian header length N, N bytes of JSON
// header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the
// data block; offsets are relative to the data block.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weights/dtype.h"
#include "weights/mapped_file.h"

namespace dseek {

// A view of one tensor's bytes inside a mapped file. Valid while its SafetensorsFile lives.
struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
  const std::string* file = nullptr;  // path of the file holding it (for error messages)

  int64_t numel() const;
  // Bytes the data must have: rows x dtype_row_bytes(dtype, last dim) (block types store a
  // row in whole blocks); 0 when the last dim is not a multiple of the type's block.
  size_t expected_bytes() const;
  int64_t dim(size_t i) const { return shape.at(i); }
  // "[a, b]" for messages.
  std::string shape_str() const;
};

class SafetensorsFile {
 public:
  // Maps `path` and validates the header: length within the file, JSON well formed, every
  // entry with a known dtype, a shape, offsets inside the data block and matching
  // numel * dtype size. Throws dseek::Error naming the file (and tensor) on any defect.
  static std::unique_ptr<SafetensorsFile> open(const std::string& path);
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // nullptr when absent.
  const TensorView* find(const std::string& name) const;
  // Throws dseek::Error naming the file when absent.
  const TensorView& get(const std::string& name) const;
  size_t file_size() const { return map_.size(); }

 private:
  SafetensorsFile() = default;
  std::string path_;
  MappedFile map_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes tensors to a new .safetensors file (used by `dseek score` and tests).
// Each entry: name, dtype, shape, raw little-endian bytes. Throws dseek::Error on I/O failure.
struct TensorData {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};
void write_safetensors(const std::string& path, const std::vector<TensorData>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace dseek
