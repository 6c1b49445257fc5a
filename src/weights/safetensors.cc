#include "weights/safetensors.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace dseek {

using nlohmann::json;

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

size_t TensorView::expected_bytes() const {
  if (shape.empty()) return dtype_row_bytes(dtype, 1);
  const int64_t row = shape.back();
  if (row == 0) return 0;
  return static_cast<size_t>(numel() / row) * dtype_row_bytes(dtype, row);
}

std::string TensorView::shape_str() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const TensorView& SafetensorsFile::get(const std::string& name) const {
  const TensorView* t = find(name);
  if (!t) throw Error(path_ + ": no tensor '" + name + "'");
  return *t;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;
  f->map_ = MappedFile(path);
  const size_t size = f->map_.size();
  if (size < 8)
    throw Error(path + ": truncated safetensors file (" + std::to_string(size) + " bytes, no header length)");
  const uint8_t* base = f->map_.data();

  uint64_t hlen = 0;
  std::memcpy(&hlen, base, 8);  // little-endian on every supported host
  if (hlen > size - 8)
    throw Error(path + ": header length " + std::to_string(hlen) + " exceeds file size " +
                std::to_string(size) + " (truncated or not a safetensors file)");
  json header;
  try {
    header = json::parse(reinterpret_cast<const char*>(base + 8),
                         reinterpret_cast<const char*>(base + 8 + hlen));
  } catch (const json::exception& ex) {
    throw Error(path + ": corrupt safetensors header JSON: " + ex.what());
  }
  if (!header.is_object()) throw Error(path + ": safetensors header is not a JSON object");
  const uint8_t* data = base + 8 + hlen;
  const size_t data_size = size - 8 - hlen;

  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") {
      if (it->is_object())
        for (auto m2 = it->begin(); m2 != it->end(); ++m2)
          if (m2->is_string()) f->metadata_[m2.key()] = m2->get<std::string>();
      continue;
    }
    const json& e2 = *it;
    auto bad = [&](const std::string& why) {
      return Error(path + ": tensor '" + name + "': " + why);
    };
    if (!e2.is_object() || !e2.contains("dtype") || !e2.contains("shape") ||
        !e2.contains("data_offsets"))
      throw bad("header entry lacks dtype/shape/data_offsets");
    TensorView v;
    v.name = name;
    v.file = &f->path_;
    if (!e2["dtype"].is_string() || !parse_dtype(e2["dtype"].get<std::string>(), &v.dtype))
      throw bad("unknown dtype " + e2["dtype"].dump());
    if (!e2["shape"].is_array()) throw bad("shape is not an array");
    // The byte count, checked: a shape whose elements or bytes overflow 63 bits would wrap
    // to a small count (accepting a tensor larger than its bytes) and overflow numel().
    uint64_t want = dtype_size(v.dtype);
    for (const auto& d : e2["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) throw bad("bad shape " + e2["shape"].dump());
      v.shape.push_back(d.get<int64_t>());
      if (__builtin_mul_overflow(want, static_cast<uint64_t>(v.shape.back()), &want) ||
          want > uint64_t(std::numeric_limits<int64_t>::max()))
        throw bad("shape " + e2["shape"].dump() + " is too large");
    }
    const json& off = e2["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned())
      throw bad("bad data_offsets " + off.dump());
    uint64_t b = off[0].get<uint64_t>(), en = off[1].get<uint64_t>();
    if (b > en || en > data_size)
      throw bad("data_offsets [" + std::to_string(b) + ", " + std::to_string(en) +
                "] outside the data block of " + std::to_string(data_size) +
                " bytes (truncated file?)");
    if (en - b != want)
      throw bad("holds " + std::to_string(en - b) + " bytes but " + std::string(dtype_name(v.dtype)) +
                " " + v.shape_str() + " needs " + std::to_string(want));
    v.data = data + b;
    v.nbytes = en - b;
    f->tensors_.emplace(name, std::move(v));
  }
  return f;
}

void write_safetensors(const std::string& path, const std::vector<TensorData>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t off = 0;
  for (const auto& t : tensors) {
    header[t.name] = {{"dtype", std::string(dtype_name(t.dtype))},
                      {"shape", t.shape},
                      {"data_offsets", {off, off + t.bytes.size()}}};
    off += t.bytes.size();
  }
  std::string h = header.dump();
  while ((h.size() + 8) % 8) h.push_back(' ');  // align the data block to 8 bytes
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot open for writing (" + std::strerror(errno) + ")");
    uint64_t n = h.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
    for (const auto& t : tensors)
      out.write(reinterpret_cast<const char*>(t.bytes.data()), static_cast<std::streamsize>(t.bytes.size()));
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw Error(path + ": write failed");
    }
  }
  // Rename so a reader never sees a half-written file; on failure nothing is left behind.
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw Error(path + ": cannot write the file there: " + std::strerror(e));
  }
}

}  // namespace dseek
