// Streaming GGUF (version 3) writer, for `dseek quantize`: a 671B model is written tensor by
// tensor without ever holding it in memory.
//
// Use: construct with the final path; set metadata; declare every tensor (name, type, numpy
// shape) so all offsets are known; write_header(); then the bytes of each tensor in declared
// order (whole with write_tensor or in pieces with write_tensor_part); finish(). The file is
// written as "PATH.tmp" and renamed to PATH only by finish(), after an fsync, so a crash or an
// error never leaves a half-written PATH; destroying an unfinished writer removes the temp file.
// Every error is a dseek::Error naming the path.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "weights/gguf.h"

namespace dseek {

// Bytes a metadata value takes in a GGUF file after its type tag (gguf.md: scalars, u64-length
// strings, arrays as u32 element type + u64 count + elements).
uint64_t gguf_value_bytes(const GgufValue& v);

class GgufWriter {
 public:
  // Creates PATH.tmp (throws naming it if that fails). `alignment` (power of two) of the
  // data block and of every tensor; a value other than 32 is recorded as general.alignment.
  explicit GgufWriter(const std::string& path, size_t alignment = 32);
  ~GgufWriter();
  GgufWriter(const GgufWriter&) = delete;
  GgufWriter& operator=(const GgufWriter&) = delete;

  // Metadata, written in the order first set (setting a key again replaces its value).
  // Only before write_header().
  void set(const std::string& key, GgufValue value);
  void set_u32(const std::string& key, uint32_t v);
  void set_i32(const std::string& key, int32_t v);
  void set_u64(const std::string& key, uint64_t v);
  void set_i64(const std::string& key, int64_t v);
  void set_f32(const std::string& key, float v);
  void set_f64(const std::string& key, double v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, const std::string& v);
  void set_string_array(const std::string& key, const std::vector<std::string>& v);
  // `elem`: any integer type or BOOL (values must fit it).
  void set_int_array(const std::string& key, GgufType elem, const std::vector<int64_t>& v);
  // `elem`: FLOAT32 or FLOAT64.
  void set_float_array(const std::string& key, GgufType elem, const std::vector<double>& v);

  // Declares a tensor: numpy shape (1 to 4 dims; stored as ggml ne, reversed), last dim a
  // multiple of the type's block, name unique and under 64 bytes (ggml's limit). Returns its
  // byte size (TensorView::expected_bytes). Only before write_header().
  size_t add_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape);

  // Writes magic, counts, metadata and tensor infos, padded to the alignment.
  void write_header();
  // The next declared tensor's bytes, all at once: `name` must be the next tensor and
  // `nbytes` its exact size. Writes the header first if not yet written.
  void write_tensor(const std::string& name, const void* data, size_t nbytes);
  // A piece of the tensor being written (the next declared one): pieces are appended until
  // they reach its size (an overrun throws); then the padding follows.
  void write_tensor_part(const std::string& name, const void* data, size_t nbytes);
  // Leaves the next declared tensor's bytes as a hole (the file stays sparse: zeros that take
  // no disk). For virtual full-size checkpoints (`dseek virtual-checkpoint --format gguf`).
  void skip_tensor(const std::string& name);
  // Checks every tensor was written, flushes, fsyncs and renames PATH.tmp -> PATH.
  void finish();

  const std::string& path() const { return path_; }
  // Total bytes the finished file will have (valid once all tensors are declared).
  uint64_t file_size() const;

 private:
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    size_t nbytes;
    uint64_t offset;  // within the data block
  };
  void put(const void* p, size_t n);  // buffered write to the temp file
  void flush();
  void write_all(const void* p, size_t n);  // unbuffered, retried until done
  void pad_to_alignment();
  uint64_t header_size() const;
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_, tmp_;
  size_t align_;
  int fd_ = -1;
  bool header_done_ = false, finished_ = false;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<Tensor> tensors_;
  uint64_t data_bytes_ = 0;  // data block size so far (aligned)
  size_t next_ = 0;           // index of the tensor being written
  size_t written_ = 0;        // bytes of tensors_[next_] written so far
  uint64_t pos_ = 0;          // bytes written to the file so far
  std::vector<uint8_t> buf_;
};

}  // namespace dseek
