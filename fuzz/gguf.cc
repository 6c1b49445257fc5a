// GGUF header, metadata and tensor table: any bytes given to GgufFile::open either give a
// file whose tensors are views inside it, or throw dseek::Error; an opened file then goes
// through gguf_model_config (metadata -> ModelConfig) and the GGUF -> HF name mapping, which
// may refuse it with dseek::Error too. Checks: no crash, no UB, no leak, no other exception.
#include <cstdint>
#include <cstdlib>

#include "memfile.h"
#include "runtime/error.h"
#include "weights/gguf.h"
#include "weights/gguf_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static dseek::fuzz::MemFile file("fuzz.gguf");
  const std::string& path = file.write(data, size);
  std::unique_ptr<dseek::GgufFile> f;
  try {
    f = dseek::GgufFile::open(path);
  } catch (const dseek::Error&) {
    return 0;
  }
  for (const auto& [name, t] : f->tensors()) {
    if (t.nbytes > f->file_size()) std::abort();
    volatile uint8_t sink = 0;
    if (t.nbytes > 0) sink = sink + t.data[0] + t.data[t.nbytes - 1];
    try {
      for (const auto& m : dseek::gguf_to_hf(t))  // expert slices lie inside their tensor
        if (m.view.data < t.data || m.view.nbytes > t.nbytes ||
            size_t(m.view.data - t.data) > t.nbytes - m.view.nbytes)
          std::abort();
    } catch (const dseek::Error&) {
    }
  }
  try {
    (void)dseek::gguf_model_config(*f);
  } catch (const dseek::Error&) {
  }
  return 0;
}
