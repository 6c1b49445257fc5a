// safetensors header parsing: any bytes given to SafetensorsFile::open either give tensors
// whose views lie inside the file and hold exactly the bytes their dtype and shape need, or
// throw dseek::Error. Checks: no crash, no UB, no leak, no other exception.
#include <cstdint>
#include <cstdlib>

#include "memfile.h"
#include "runtime/error.h"
#include "weights/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static dseek::fuzz::MemFile file("fuzz.safetensors");
  const std::string& path = file.write(data, size);
  try {
    auto f = dseek::SafetensorsFile::open(path);
    for (const auto& [name, t] : f->tensors()) {
      if (t.nbytes > f->file_size()) std::abort();
      if (t.nbytes > 0 && t.data == nullptr) std::abort();
      // The view's bytes are readable (ASan would flag a view outside the mapping's pages).
      volatile uint8_t sink = 0;
      if (t.nbytes > 0) sink = sink + t.data[0] + t.data[t.nbytes - 1];
      (void)t.shape_str();
      (void)t.expected_bytes();
    }
  } catch (const dseek::Error&) {
  }
  return 0;
}
