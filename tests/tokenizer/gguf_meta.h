// A minimal, test-only GGUF metadata reader (header and key/value pairs, no tensors) for the
// tokenizer tests, so they do not depend on the weights layer's GGUF reader. It keeps
// strings, integers/bools and arrays of strings or integers; other values are skipped.
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace dseek::test {

struct GgufMeta {
  std::map<std::string, std::string> strings;
  std::map<std::string, int64_t> ints;  // every integer type and bool
  std::map<std::string, std::vector<std::string>> string_arrays;
  std::map<std::string, std::vector<int64_t>> int_arrays;
};

namespace gguf_meta_detail {

enum Type : uint32_t {
  kU8, kI8, kU16, kI16, kU32, kI32, kF32, kBool, kString, kArray, kU64, kI64, kF64,
};

class Cursor {
 public:
  explicit Cursor(const std::string& buf) : buf_(buf) {}

  template <typename T>
  T pod() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, buf_.data() + pos_, sizeof(T));  // GGUF is little-endian, as are we
    pos_ += sizeof(T);
    return v;
  }
  std::string str() {
    const auto n = pod<uint64_t>();
    need(n);
    std::string s(buf_, pos_, n);
    pos_ += n;
    return s;
  }
  void skip(uint64_t n) { need(n); pos_ += n; }

 private:
  void need(uint64_t n) const {
    if (n > buf_.size() - pos_) throw std::runtime_error("gguf: truncated at byte " + std::to_string(pos_));
  }
  const std::string& buf_;
  size_t pos_ = 0;
};

// Bytes of one scalar of `type`, 0 for strings and arrays.
inline size_t scalar_size(uint32_t type) {
  switch (type) {
    case kU8: case kI8: case kBool: return 1;
    case kU16: case kI16: return 2;
    case kU32: case kI32: case kF32: return 4;
    case kU64: case kI64: case kF64: return 8;
    default: return 0;
  }
}

inline bool is_int(uint32_t type) { return type != kF32 && type != kF64 && scalar_size(type) > 0; }

inline int64_t read_int(Cursor& c, uint32_t type) {
  switch (type) {
    case kU8: case kBool: return c.pod<uint8_t>();
    case kI8: return c.pod<int8_t>();
    case kU16: return c.pod<uint16_t>();
    case kI16: return c.pod<int16_t>();
    case kU32: return c.pod<uint32_t>();
    case kI32: return c.pod<int32_t>();
    case kU64: return static_cast<int64_t>(c.pod<uint64_t>());
    default: return c.pod<int64_t>();
  }
}

inline void skip_value(Cursor& c, uint32_t type) {
  if (type == kString) {
    c.str();
  } else if (type == kArray) {
    const auto et = c.pod<uint32_t>();
    const auto n = c.pod<uint64_t>();
    if (scalar_size(et) > 0) {
      c.skip(n * scalar_size(et));
    } else {
      for (uint64_t i = 0; i < n; ++i) skip_value(c, et);
    }
  } else if (scalar_size(type) > 0) {
    c.skip(scalar_size(type));
  } else {
    throw std::runtime_error("gguf: unknown value type " + std::to_string(type));
  }
}

}  // namespace gguf_meta_detail

// Reads the metadata of the GGUF (v2 or v3) file at `path`. Throws std::runtime_error.
inline GgufMeta read_gguf_meta(const std::string& path) {
  using namespace gguf_meta_detail;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("gguf: cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string buf = std::move(ss).str();
  Cursor c(buf);
  if (c.pod<uint32_t>() != 0x46554747u) throw std::runtime_error("gguf: bad magic in " + path);
  const auto version = c.pod<uint32_t>();
  if (version < 2) throw std::runtime_error("gguf: version " + std::to_string(version) + " unsupported");
  c.pod<uint64_t>();  // tensor count
  const auto n_kv = c.pod<uint64_t>();
  GgufMeta meta;
  for (uint64_t i = 0; i < n_kv; ++i) {
    std::string key = c.str();
    const auto type = c.pod<uint32_t>();
    if (type == kString) {
      meta.strings[key] = c.str();
    } else if (is_int(type)) {
      meta.ints[key] = read_int(c, type);
    } else if (type == kArray) {
      const auto et = c.pod<uint32_t>();
      const auto n = c.pod<uint64_t>();
      if (et == kString) {
        auto& v = meta.string_arrays[key];
        v.reserve(n);
        for (uint64_t k = 0; k < n; ++k) v.push_back(c.str());
      } else if (is_int(et)) {
        auto& v = meta.int_arrays[key];
        v.reserve(n);
        for (uint64_t k = 0; k < n; ++k) v.push_back(read_int(c, et));
      } else {
        for (uint64_t k = 0; k < n; ++k) skip_value(c, et);
      }
    } else {
      skip_value(c, type);
    }
  }
  return meta;
}

}  // namespace dseek::test
