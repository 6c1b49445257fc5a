// The fuzz input as a file for readers that take a path (mmap'd safetensors / GGUF): a memfd
// seen through /proc/self/fd, rewritten for every input (no disk I/O, nothing left behind).
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace dseek::fuzz {

class MemFile {
 public:
  explicit MemFile(const char* name) : fd_(memfd_create(name, MFD_CLOEXEC)) {
    if (fd_ < 0) std::abort();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  // Replaces the contents with data[0, size) and returns the path to open.
  const std::string& write(const uint8_t* data, size_t size) {
    if (ftruncate(fd_, 0) != 0 || pwrite_all(data, size) != size) std::abort();
    return path_;
  }

 private:
  size_t pwrite_all(const uint8_t* data, size_t size) {
    size_t done = 0;
    while (done < size) {
      ssize_t n = pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) return done;
      done += static_cast<size_t>(n);
    }
    return done;
  }
  int fd_;
  std::string path_;
};

}  // namespace dseek::fuzz
