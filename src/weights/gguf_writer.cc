#include "weights/gguf_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "runtime/error.h"

namespace dseek {

namespace {

constexpr size_t kBufBytes = size_t(4) << 20;  // large sequential writes

bool is_int_elem(GgufType t) {
  switch (t) {
    case GgufType::UINT8: case GgufType::INT8: case GgufType::UINT16: case GgufType::INT16:
    case GgufType::UINT32: case GgufType::INT32: case GgufType::UINT64: case GgufType::INT64:
    case GgufType::BOOL: return true;
    default: return false;
  }
}

// Range of an integer element type, for checking values before they are narrowed.
bool int_fits(GgufType t, int64_t v) {
  switch (t) {
    case GgufType::BOOL: return v == 0 || v == 1;
    case GgufType::UINT8: return v >= 0 && v <= UINT8_MAX;
    case GgufType::INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case GgufType::UINT16: return v >= 0 && v <= UINT16_MAX;
    case GgufType::INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case GgufType::UINT32: return v >= 0 && v <= int64_t(UINT32_MAX);
    case GgufType::INT32: return v >= INT32_MIN && v <= INT32_MAX;
    case GgufType::UINT64: return true;  // a negative i stands for a value >= 2^63 (as the reader stores it)
    case GgufType::INT64: return true;
    default: return false;
  }
}

uint64_t align_up(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }


}  // namespace

uint64_t gguf_value_bytes(const GgufValue& v) {
  auto scalar = [](GgufType t) -> uint64_t {
    switch (t) {
      case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: return 1;
      case GgufType::UINT16: case GgufType::INT16: return 2;
      case GgufType::UINT32: case GgufType::INT32: case GgufType::FLOAT32: return 4;
      default: return 8;
    }
  };
  if (v.type == GgufType::STRING) return 8 + v.s.size();
  if (v.type != GgufType::ARRAY) return scalar(v.type);
  uint64_t n = 4 + 8;
  if (v.elem == GgufType::STRING) {
    for (const auto& s : v.strs) n += 8 + s.size();
    return n;
  }
  return n + scalar(v.elem) * v.array_size();
}

GgufWriter::GgufWriter(const std::string& path, size_t alignment)
    : path_(path), tmp_(path + ".tmp"), align_(alignment) {
  if (align_ == 0 || (align_ & (align_ - 1)) != 0)
    throw Error(path_ + ": GGUF alignment " + std::to_string(align_) + " is not a power of two");
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path_ + ": cannot create " + tmp_ + ": " + std::strerror(errno));
  buf_.reserve(kBufBytes);
  if (align_ != 32) set_u32("general.alignment", static_cast<uint32_t>(align_));
}

GgufWriter::~GgufWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_) ::unlink(tmp_.c_str());
}

void GgufWriter::fail(const std::string& what) const { throw Error(path_ + ": " + what); }

void GgufWriter::set(const std::string& key, GgufValue value) {
  if (header_done_) fail("metadata key '" + key + "' set after the header was written");
  if (value.type == GgufType::ARRAY) {
    // Exactly the vector that matches the element type may hold elements.
    const bool ok = value.elem == GgufType::STRING ? value.ints.empty() && value.floats.empty()
                    : (value.elem == GgufType::FLOAT32 || value.elem == GgufType::FLOAT64)
                        ? value.ints.empty() && value.strs.empty()
                        : is_int_elem(value.elem) && value.floats.empty() && value.strs.empty();
    if (!ok) fail("metadata key '" + key + "': array elements do not match its type " + gguf_type_name(value.elem));
    for (int64_t x : value.ints)
      if (!int_fits(value.elem, x))
        fail("metadata key '" + key + "': value " + std::to_string(x) + " does not fit " + gguf_type_name(value.elem));
  } else if (static_cast<uint32_t>(value.type) > static_cast<uint32_t>(GgufType::FLOAT64)) {
    fail("metadata key '" + key + "' has unknown type");
  } else if (is_int_elem(value.type) && !int_fits(value.type, value.i)) {
    fail("metadata key '" + key + "': value " + std::to_string(value.i) + " does not fit " + gguf_type_name(value.type));
  }
  for (auto& kv : kv_)
    if (kv.first == key) {
      kv.second = std::move(value);
      return;
    }
  kv_.emplace_back(key, std::move(value));
}

namespace {
GgufValue int_value(GgufType t, int64_t i) {
  GgufValue v;
  v.type = t;
  v.i = i;
  v.f = static_cast<double>(i);
  return v;
}
GgufValue float_value(GgufType t, double f) {
  GgufValue v;
  v.type = t;
  v.f = f;
  return v;
}
}  // namespace

void GgufWriter::set_u32(const std::string& k, uint32_t v) { set(k, int_value(GgufType::UINT32, v)); }
void GgufWriter::set_i32(const std::string& k, int32_t v) { set(k, int_value(GgufType::INT32, v)); }
void GgufWriter::set_u64(const std::string& k, uint64_t v) { set(k, int_value(GgufType::UINT64, static_cast<int64_t>(v))); }
void GgufWriter::set_i64(const std::string& k, int64_t v) { set(k, int_value(GgufType::INT64, v)); }
void GgufWriter::set_f32(const std::string& k, float v) { set(k, float_value(GgufType::FLOAT32, v)); }
void GgufWriter::set_f64(const std::string& k, double v) { set(k, float_value(GgufType::FLOAT64, v)); }
void GgufWriter::set_bool(const std::string& k, bool v) { set(k, int_value(GgufType::BOOL, v)); }
void GgufWriter::set_string(const std::string& k, const std::string& s) {
  GgufValue v;
  v.type = GgufType::STRING;
  v.s = s;
  set(k, std::move(v));
}
void GgufWriter::set_string_array(const std::string& k, const std::vector<std::string>& a) {
  GgufValue v;
  v.type = GgufType::ARRAY;
  v.elem = GgufType::STRING;
  v.strs = a;
  set(k, std::move(v));
}
void GgufWriter::set_int_array(const std::string& k, GgufType elem, const std::vector<int64_t>& a) {
  if (!is_int_elem(elem)) fail("metadata key '" + k + "': " + gguf_type_name(elem) + " is not an integer type");
  GgufValue v;
  v.type = GgufType::ARRAY;
  v.elem = elem;
  v.ints = a;
  set(k, std::move(v));
}
void GgufWriter::set_float_array(const std::string& k, GgufType elem, const std::vector<double>& a) {
  if (elem != GgufType::FLOAT32 && elem != GgufType::FLOAT64)
    fail("metadata key '" + k + "': " + gguf_type_name(elem) + " is not a float type");
  GgufValue v;
  v.type = GgufType::ARRAY;
  v.elem = elem;
  v.floats = a;
  set(k, std::move(v));
}

size_t GgufWriter::add_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape) {
  if (header_done_) fail("tensor '" + name + "' declared after the header was written");
  if (name.empty() || name.size() >= 64) fail("tensor name '" + name + "' must have 1 to 63 bytes");
  if (dtype_to_ggml(dtype) == UINT32_MAX) fail("tensor '" + name + "': GGUF has no type for " + std::string(dtype_name(dtype)));
  if (shape.empty() || shape.size() > 4) fail("tensor '" + name + "' must have 1 to 4 dimensions");
  for (int64_t d : shape)
    if (d < 0) fail("tensor '" + name + "' has a negative dimension");
  for (const auto& t : tensors_)
    if (t.name == name) fail("tensor '" + name + "' declared twice");
  TensorView v;
  v.dtype = dtype;
  v.shape = shape;
  if (shape.back() % dtype_block_elems(dtype) != 0)
    fail("tensor '" + name + "' has rows of " + std::to_string(shape.back()) + ", not a multiple of the " +
         std::string(dtype_name(dtype)) + " block");
  const size_t nbytes = v.expected_bytes();
  tensors_.push_back({name, dtype, shape, nbytes, data_bytes_});
  data_bytes_ += align_up(nbytes, align_);
  return nbytes;
}

uint64_t GgufWriter::header_size() const {
  uint64_t n = 4 + 4 + 8 + 8;
  for (const auto& [k, v] : kv_) n += 8 + k.size() + 4 + gguf_value_bytes(v);
  for (const auto& t : tensors_) n += 8 + t.name.size() + 4 + 8 * t.shape.size() + 4 + 8;
  return align_up(n, align_);
}

uint64_t GgufWriter::file_size() const { return header_size() + data_bytes_; }

void GgufWriter::write_all(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail("write to " + tmp_ + " failed: " + std::strerror(w < 0 ? errno : ENOSPC));
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void GgufWriter::flush() {
  write_all(buf_.data(), buf_.size());
  buf_.clear();
}

void GgufWriter::put(const void* p, size_t n) {
  if (fd_ < 0) fail("write after finish()");
  const uint8_t* b = static_cast<const uint8_t*>(p);
  pos_ += n;
  if (n >= kBufBytes) {  // big tensor data: write it directly, no copy
    flush();
    write_all(b, n);
    return;
  }
  if (buf_.size() + n > kBufBytes) flush();
  buf_.insert(buf_.end(), b, b + n);
}

void GgufWriter::pad_to_alignment() {
  static const uint8_t zeros[256] = {};
  uint64_t pad = align_up(pos_, align_) - pos_;
  while (pad > 0) {
    size_t k = pad < sizeof(zeros) ? static_cast<size_t>(pad) : sizeof(zeros);
    put(zeros, k);
    pad -= k;
  }
}

void GgufWriter::write_header() {
  if (header_done_) fail("header written twice");
  auto u32 = [&](uint32_t v) { put(&v, 4); };
  auto u64 = [&](uint64_t v) { put(&v, 8); };
  auto str = [&](const std::string& s) {
    u64(s.size());
    put(s.data(), s.size());
  };
  auto scalar = [&](GgufType t, int64_t i, double f) {
    switch (t) {
      case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: { uint8_t x = uint8_t(i); put(&x, 1); break; }
      case GgufType::UINT16: case GgufType::INT16: { uint16_t x = uint16_t(i); put(&x, 2); break; }
      case GgufType::UINT32: case GgufType::INT32: u32(uint32_t(i)); break;
      case GgufType::UINT64: case GgufType::INT64: u64(uint64_t(i)); break;
      case GgufType::FLOAT32: { float x = float(f); put(&x, 4); break; }
      case GgufType::FLOAT64: put(&f, 8); break;
      default: break;
    }
  };
  put("GGUF", 4);
  u32(3);
  u64(tensors_.size());
  u64(kv_.size());
  for (const auto& [k, v] : kv_) {
    str(k);
    u32(static_cast<uint32_t>(v.type));
    if (v.type == GgufType::STRING) {
      str(v.s);
    } else if (v.type == GgufType::ARRAY) {
      u32(static_cast<uint32_t>(v.elem));
      u64(v.array_size());
      for (const auto& s : v.strs) str(s);
      for (int64_t i : v.ints) scalar(v.elem, i, 0.0);
      for (double f : v.floats) scalar(v.elem, 0, f);
    } else {
      scalar(v.type, v.i, v.f);
    }
  }
  for (const auto& t : tensors_) {
    str(t.name);
    u32(static_cast<uint32_t>(t.shape.size()));
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) u64(static_cast<uint64_t>(*it));  // ggml ne
    u32(dtype_to_ggml(t.dtype));
    u64(t.offset);
  }
  pad_to_alignment();
  header_done_ = true;
}

void GgufWriter::write_tensor_part(const std::string& name, const void* data, size_t nbytes) {
  if (!header_done_) write_header();
  if (next_ >= tensors_.size()) fail("tensor '" + name + "' written, but all declared tensors are complete");
  const Tensor& t = tensors_[next_];
  if (name != t.name) fail("tensor '" + name + "' written out of order; next is '" + t.name + "'");
  if (nbytes > t.nbytes - written_)
    fail("tensor '" + name + "': " + std::to_string(written_ + nbytes) + " bytes written, it has " +
         std::to_string(t.nbytes) + " (" + std::string(dtype_name(t.dtype)) + ")");
  put(data, nbytes);
  written_ += nbytes;
  if (written_ == t.nbytes) {
    pad_to_alignment();
    ++next_;
    written_ = 0;
  }
}

void GgufWriter::write_tensor(const std::string& name, const void* data, size_t nbytes) {
  if (next_ < tensors_.size() && name == tensors_[next_].name && (written_ != 0 || nbytes != tensors_[next_].nbytes))
    fail("tensor '" + name + "' has " + std::to_string(tensors_[next_].nbytes) + " bytes, got " +
         std::to_string(nbytes) + (written_ ? " after a partial write" : ""));
  write_tensor_part(name, data, nbytes);
}

void GgufWriter::skip_tensor(const std::string& name) {
  if (!header_done_) write_header();
  if (next_ >= tensors_.size() || name != tensors_[next_].name || written_ != 0)
    fail("tensor '" + name + "' skipped out of order");
  flush();
  const uint64_t end = align_up(pos_ + tensors_[next_].nbytes, align_);
  if (::lseek(fd_, static_cast<off_t>(end), SEEK_SET) < 0) fail("seek in " + tmp_ + " failed: " + std::strerror(errno));
  pos_ = end;
  ++next_;
}

void GgufWriter::finish() {
  if (finished_) return;
  if (!header_done_) write_header();
  if (next_ < tensors_.size())
    fail("finish() before tensor '" + tensors_[next_].name + "' was written (" + std::to_string(tensors_.size() - next_) +
         " tensors missing)");
  flush();
  // A skipped tensor at the end leaves the file short of its size: extend it (as a hole).
  if (::ftruncate(fd_, static_cast<off_t>(pos_)) != 0) fail("cannot size " + tmp_ + ": " + std::strerror(errno));
  if (::fsync(fd_) != 0) fail("fsync of " + tmp_ + " failed: " + std::strerror(errno));
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail("close of " + tmp_ + " failed: " + std::strerror(errno));
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename " + tmp_ + ": " + std::strerror(errno));
  finished_ = true;
  // Make the rename itself durable.
  std::string dir = std::filesystem::path(path_).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace dseek
