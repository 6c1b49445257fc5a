// The GGUF metadata llama.cpp's converter writes for a DeepSeek checkpoint (general.* and
// ARCH.* keys, in its order), plus what llama-quantize adds (general.quantization_version,
// general.file_type). Keys and values follow tests/data/fixtures/gguf/README.md and the
// fixture GGUFs.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "convert/file_type.h"
#include "convert/gguf_layout.h"
#include "weights/config.h"
#include "weights/gguf.h"

namespace dseek {

using GgufKv = std::pair<std::string, GgufValue>;

// Scalar and array values as the converter types them.
GgufValue gguf_u32(uint32_t v);
GgufValue gguf_i32(int32_t v);
GgufValue gguf_u16(uint16_t v);
GgufValue gguf_f32(double v);
GgufValue gguf_bool(bool v);
GgufValue gguf_string(std::string v);
GgufValue gguf_string_array(std::vector<std::string> v);
GgufValue gguf_i32_array(std::vector<int64_t> v);

// general.architecture / type / name / size_label and the ARCH.* hyperparameters of `c`.
// `name`: general.name (the converter uses the checkpoint directory's name). The size label
// counts the layout's parameters as gguf-py does ("256x20B": experts x (shared + one expert
// of each layer)).
std::vector<GgufKv> gguf_model_metadata(const ModelConfig& c, const GgufLayout& layout, const std::string& name);

// general.quantization_version 2 and general.file_type, the keys llama-quantize appends.
std::vector<GgufKv> gguf_quantization_metadata(FileType ft);

// gguf-py's size label of a parameter count: 3 significant digits at most, at least 2
// ("4.3M", "671B", "20B", "1.5K").
std::string gguf_size_label_count(uint64_t n);

}  // namespace dseek
