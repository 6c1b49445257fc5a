#include "weights/gguf.h"

#include <cstring>
#include <limits>

#include "runtime/error.h"

namespace dseek {

const char* gguf_type_name(GgufType t) {
  static const char* const kNames[] = {"UINT8", "INT8",  "UINT16", "INT16",  "UINT32", "INT32",  "FLOAT32",
                                       "BOOL",  "STRING", "ARRAY", "UINT64", "INT64",  "FLOAT64"};
  auto i = static_cast<uint32_t>(t);
  return i < sizeof(kNames) / sizeof(kNames[0]) ? kNames[i] : "UNKNOWN";
}

namespace {

constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

// Bytes of one scalar of a fixed-size type; 0 for STRING/ARRAY/unknown.
size_t scalar_size(GgufType t) {
  switch (t) {
    case GgufType::UINT8: case GgufType::INT8: case GgufType::BOOL: return 1;
    case GgufType::UINT16: case GgufType::INT16: return 2;
    case GgufType::UINT32: case GgufType::INT32: case GgufType::FLOAT32: return 4;
    case GgufType::UINT64: case GgufType::INT64: case GgufType::FLOAT64: return 8;
    default: return 0;
  }
}
bool is_int_type(GgufType t) {
  return t == GgufType::UINT8 || t == GgufType::INT8 || t == GgufType::UINT16 || t == GgufType::INT16 ||
         t == GgufType::UINT32 || t == GgufType::INT32 || t == GgufType::UINT64 || t == GgufType::INT64;
}
bool is_float_type(GgufType t) { return t == GgufType::FLOAT32 || t == GgufType::FLOAT64; }

std::string type_str(const GgufValue& v) {
  if (v.type != GgufType::ARRAY) return gguf_type_name(v.type);
  return std::string("ARRAY of ") + gguf_type_name(v.elem);
}

// Bounds-checked little-endian reader over the mapping. Every read checks the remaining
// bytes first, so a corrupt length yields an error, never an over-read or a huge allocation.
struct Cursor {
  const uint8_t* base;
  size_t size;
  size_t pos = 0;
  const std::string& path;

  size_t left() const { return size - pos; }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(path + ": " + what + " at byte " + std::to_string(pos) + " (file has " + std::to_string(size) +
                " bytes; truncated or not a GGUF file)");
  }
  void need(uint64_t n, const std::string& what) const {
    if (n > left()) fail(what + " needs " + std::to_string(n) + " bytes, " + std::to_string(left()) + " left");
  }
  template <class T>
  T get(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, base + pos, sizeof(T));  // little-endian host (x86-64, aarch64)
    pos += sizeof(T);
    return v;
  }
  std::string str(const std::string& what) {
    uint64_t n = get<uint64_t>(what + " length");
    need(n, what + " of length " + std::to_string(n));
    std::string s(reinterpret_cast<const char*>(base + pos), n);
    pos += n;
    return s;
  }
};

int64_t read_int(Cursor& c, GgufType t, const std::string& what, double* as_float) {
  int64_t v = 0;
  switch (t) {
    case GgufType::UINT8: v = c.get<uint8_t>(what); break;
    case GgufType::INT8: v = c.get<int8_t>(what); break;
    case GgufType::BOOL: v = c.get<uint8_t>(what) != 0; break;
    case GgufType::UINT16: v = c.get<uint16_t>(what); break;
    case GgufType::INT16: v = c.get<int16_t>(what); break;
    case GgufType::UINT32: v = c.get<uint32_t>(what); break;
    case GgufType::INT32: v = c.get<int32_t>(what); break;
    case GgufType::INT64: v = c.get<int64_t>(what); break;
    case GgufType::UINT64: {
      uint64_t u = c.get<uint64_t>(what);
      *as_float = static_cast<double>(u);
      return static_cast<int64_t>(u);  // > 2^63-1 wraps negative; get_int reports it out of range
    }
    default: break;
  }
  *as_float = static_cast<double>(v);
  return v;
}

double read_float(Cursor& c, GgufType t, const std::string& what) {
  if (t == GgufType::FLOAT32) return c.get<float>(what);
  return c.get<double>(what);
}

GgufValue read_value(Cursor& c, GgufType t, const std::string& key) {
  const std::string what = "metadata key '" + key + "'";
  GgufValue v;
  v.type = t;
  if (t == GgufType::STRING) {
    v.s = c.str(what);
  } else if (is_float_type(t)) {
    v.f = read_float(c, t, what);
  } else if (is_int_type(t) || t == GgufType::BOOL) {
    v.i = read_int(c, t, what, &v.f);
  } else if (t == GgufType::ARRAY) {
    uint32_t et = c.get<uint32_t>(what + " array type");
    v.elem = static_cast<GgufType>(et);
    uint64_t n = c.get<uint64_t>(what + " array length");
    if (v.elem == GgufType::STRING) {
      // Each string needs at least its 8-byte length: reject impossible counts before reserving.
      if (n > c.left() / 8) c.fail(what + ": array of " + std::to_string(n) + " strings cannot fit");
      v.strs.reserve(n);
      for (uint64_t k = 0; k < n; ++k) v.strs.push_back(c.str(what + " element " + std::to_string(k)));
    } else if (size_t es = scalar_size(v.elem); es != 0) {
      if (n > c.left() / es)
        c.fail(what + ": array of " + std::to_string(n) + " " + gguf_type_name(v.elem) + " cannot fit");
      if (is_float_type(v.elem)) {
        v.floats.resize(n);
        for (uint64_t k = 0; k < n; ++k) v.floats[k] = read_float(c, v.elem, what);
      } else {
        v.ints.resize(n);
        double ignored;
        for (uint64_t k = 0; k < n; ++k) v.ints[k] = read_int(c, v.elem, what, &ignored);
      }
    } else {
      throw Error(c.path + ": " + what + " is an array of unsupported element type " + std::to_string(et) +
                  (v.elem == GgufType::ARRAY ? " (nested arrays)" : ""));
    }
  } else {
    throw Error(c.path + ": " + what + " has unknown value type " + std::to_string(static_cast<uint32_t>(t)));
  }
  return v;
}

}  // namespace

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->path_ = path;
  f->map_ = MappedFile(path);
  const size_t size = f->map_.size();
  if (size < 24) throw Error(path + ": not a GGUF file (" + std::to_string(size) + " bytes, shorter than a GGUF header)");
  Cursor c{f->map_.data(), size, 0, f->path_};

  if (std::memcmp(c.base, "GGUF", 4) != 0) throw Error(path + ": not a GGUF file (bad magic)");
  c.pos = 4;
  const uint32_t version = c.get<uint32_t>("version");
  if (version == 1)
    throw Error(path + ": GGUF version 1 (32-bit counts) is not supported; re-convert it with a current llama.cpp");
  if (version != 2 && version != 3) {
    // A big-endian file shows its version byte-swapped (0x03000000).
    bool swapped = (version >> 24) >= 1 && (version >> 24) <= 3 && (version & 0xFFFFFF) == 0;
    throw Error(path + ": GGUF version " + std::to_string(version) + " is not supported (expected 2 or 3" +
                (swapped ? "; this looks like a big-endian file" : "") + ")");
  }
  f->version_ = version;
  const uint64_t n_tensors = c.get<uint64_t>("tensor count");
  const uint64_t n_kv = c.get<uint64_t>("metadata count");
  // A key/value takes >= 13 bytes (key length, type, 1-byte value); a tensor entry >= 24.
  if (n_kv > c.left() / 13) c.fail("metadata count " + std::to_string(n_kv) + " cannot fit");
  if (n_tensors > c.left() / 24) c.fail("tensor count " + std::to_string(n_tensors) + " cannot fit");

  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = c.str("metadata key #" + std::to_string(k));
    auto type = static_cast<GgufType>(c.get<uint32_t>("type of metadata key '" + key + "'"));
    GgufValue v = read_value(c, type, key);
    if (!f->kv_.emplace(key, std::move(v)).second) throw Error(path + ": duplicate metadata key '" + key + "'");
  }
  if (const GgufValue* a = f->find_kv("general.alignment")) {
    if (a->type != GgufType::UINT32 || a->i == 0 || (a->i & (a->i - 1)) != 0)
      throw Error(path + ": metadata key 'general.alignment' must be a UINT32 power of two, got " + type_str(*a) +
                  " " + std::to_string(a->i));
    f->alignment_ = static_cast<size_t>(a->i);
  }

  struct Info {
    uint64_t offset;
  };
  std::vector<Info> infos;
  for (uint64_t k = 0; k < n_tensors; ++k) {
    TensorView t;
    t.name = c.str("tensor name #" + std::to_string(k));
    t.file = &f->path_;
    const std::string what = "tensor '" + t.name + "'";
    auto bad = [&](const std::string& why) { return Error(path + ": " + what + " " + why); };
    uint32_t n_dims = c.get<uint32_t>(what + " dimension count");
    if (n_dims > kMaxDims) throw bad("has " + std::to_string(n_dims) + " dimensions (at most 4)");
    std::vector<int64_t> ne(n_dims);
    int64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t n = c.get<uint64_t>(what + " dimension");
      if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
          (n != 0 && numel > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(n)))
        throw bad("has an impossible dimension " + std::to_string(n));
      ne[d] = static_cast<int64_t>(n);
      numel *= ne[d];
    }
    uint32_t gt = c.get<uint32_t>(what + " type");
    if (!dtype_from_ggml(gt, &t.dtype))
      throw bad("has ggml type " + ggml_type_name(gt) + " (" + std::to_string(gt) + "), which dseek does not support");
    const int64_t ne0 = n_dims ? ne[0] : 1;
    if (ne0 % dtype_block_elems(t.dtype) != 0)
      throw bad("has rows of " + std::to_string(ne0) + " elements, not a multiple of the " +
                std::string(dtype_name(t.dtype)) + " block (" + std::to_string(dtype_block_elems(t.dtype)) + ")");
    uint64_t offset = c.get<uint64_t>(what + " offset");
    if (offset % f->alignment_ != 0)
      throw bad("has data offset " + std::to_string(offset) + ", not a multiple of the alignment " +
                std::to_string(f->alignment_));
    t.shape.assign(ne.rbegin(), ne.rend());  // numpy order
    t.nbytes = t.expected_bytes();
    if (f->tensors_.count(t.name)) throw Error(path + ": duplicate tensor '" + t.name + "'");
    f->order_.push_back(t.name);
    infos.push_back({offset});
    f->tensors_.emplace(t.name, std::move(t));
  }

  // The data block starts at the next multiple of the alignment after the tensor infos.
  const size_t data_start = (c.pos + f->alignment_ - 1) / f->alignment_ * f->alignment_;
  if (n_tensors > 0 && data_start > size) c.fail("data block start " + std::to_string(data_start));
  for (size_t k = 0; k < f->order_.size(); ++k) {
    TensorView& t = f->tensors_.at(f->order_[k]);
    const uint64_t off = infos[k].offset;
    if (off > size - data_start || t.nbytes > size - data_start - off)
      throw Error(path + ": tensor '" + t.name + "' data [" + std::to_string(off) + ", +" +
                  std::to_string(t.nbytes) + ") extends past the end of the file (data block holds " +
                  std::to_string(size - data_start) + " bytes; truncated?)");
    t.data = c.base + data_start + off;
  }
  return f;
}

const TensorView* GgufFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const GgufValue* GgufFile::find_kv(const std::string& key) const {
  auto it = kv_.find(key);
  return it == kv_.end() ? nullptr : &it->second;
}

namespace {
[[noreturn]] void wrong_type(const std::string& path, const std::string& key, const GgufValue& v,
                             const char* expected) {
  throw Error(path + ": metadata key '" + key + "' has type " + type_str(v) + ", expected " + expected);
}
[[noreturn]] void missing(const std::string& path, const std::string& key) {
  throw Error(path + ": missing metadata key '" + key + "'");
}
}  // namespace

int64_t GgufFile::get_int(const std::string& key) const {
  const GgufValue* v = find_kv(key);
  if (!v) missing(path_, key);
  if (!is_int_type(v->type)) wrong_type(path_, key, *v, "an integer");
  if (v->type == GgufType::UINT64 && v->i < 0)
    throw Error(path_ + ": metadata key '" + key + "' = " + std::to_string(static_cast<uint64_t>(v->i)) +
                " is out of range");
  return v->i;
}

int64_t GgufFile::get_int(const std::string& key, int64_t fallback) const {
  return find_kv(key) ? get_int(key) : fallback;
}

double GgufFile::get_float(const std::string& key) const {
  const GgufValue* v = find_kv(key);
  if (!v) missing(path_, key);
  if (is_float_type(v->type) || is_int_type(v->type)) return v->f;
  wrong_type(path_, key, *v, "a number");
}

double GgufFile::get_float(const std::string& key, double fallback) const {
  return find_kv(key) ? get_float(key) : fallback;
}

bool GgufFile::get_bool(const std::string& key, bool fallback) const {
  const GgufValue* v = find_kv(key);
  if (!v) return fallback;
  if (v->type != GgufType::BOOL) wrong_type(path_, key, *v, "BOOL");
  return v->i != 0;
}

std::string GgufFile::get_string(const std::string& key) const {
  const GgufValue* v = find_kv(key);
  if (!v) missing(path_, key);
  if (v->type != GgufType::STRING) wrong_type(path_, key, *v, "STRING");
  return v->s;
}

std::string GgufFile::get_string(const std::string& key, const std::string& fallback) const {
  return find_kv(key) ? get_string(key) : fallback;
}

const std::vector<std::string>& GgufFile::get_string_array(const std::string& key) const {
  const GgufValue* v = find_kv(key);
  if (!v) missing(path_, key);
  if (v->type != GgufType::ARRAY || v->elem != GgufType::STRING) wrong_type(path_, key, *v, "ARRAY of STRING");
  return v->strs;
}

const std::vector<int64_t>& GgufFile::get_int_array(const std::string& key) const {
  const GgufValue* v = find_kv(key);
  if (!v) missing(path_, key);
  if (v->type != GgufType::ARRAY || !(is_int_type(v->elem) || v->elem == GgufType::BOOL))
    wrong_type(path_, key, *v, "an ARRAY of integers");
  return v->ints;
}

const std::vector<double>& GgufFile::get_float_array(const std::string& key) const {
  const GgufValue* v = find_kv(key);
  if (!v) missing(path_, key);
  if (v->type != GgufType::ARRAY || !is_float_type(v->elem)) wrong_type(path_, key, *v, "an ARRAY of floats");
  return v->floats;
}

}  // namespace dseek
