// A whole file mapped read-only (mmap, MAP_PRIVATE), unmapped when the object goes away.
// Shared by the safetensors and GGUF readers, which validate the bytes themselves. The mapping
// is registered with runtime/mapped_regions, so a read of it that fails because the file was
// truncated or rewritten on disk (SIGBUS) ends the process with a message naming the file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace dseek {

class MappedFile {
 public:
  MappedFile() = default;
  // Opens and maps `path`. Throws dseek::Error "PATH: cannot open: REASON", "PATH: not a
  // regular file", "PATH: cannot stat: ..." or "PATH: mmap failed: ...". An empty file maps to
  // data() == nullptr, size() == 0 (callers reject it with their own message).
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return static_cast<const uint8_t*>(map_); }
  size_t size() const { return size_; }

 private:
  void release();
  void* map_ = nullptr;
  size_t size_ = 0;
  int region_ = -1;  // runtime/mapped_regions handle
};

}  // namespace dseek
