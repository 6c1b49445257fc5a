// The GGUF form of `dseek virtual-checkpoint` (virtual_gguf.cc).
#pragma once
#include <string>

#include "weights/config.h"

namespace dseek::cli {

// Writes OUT (.gguf; split into llama-gguf-split parts when split_max_size, e.g. "50G", is
// set) for config `c` with llama-quantize's types for file type `type` ("q4_k_m"); the data
// are holes. Throws dseek::Error for an unknown type or an unwritable path; leaves no file.
void write_virtual_gguf(const ModelConfig& c, const std::string& out, const std::string& type,
                        const std::string& split_max_size);

}  // namespace dseek::cli
