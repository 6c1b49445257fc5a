// Pre-tokenizers named by GGUF's tokenizer.ggml.pre, as the Split steps of the tokenizer.json
// each name stands for.
#pragma once
#include <string_view>
#include <vector>

namespace dseek {

// Returns the Oniguruma patterns of the "Isolated" Split steps (in order, followed by a
// ByteLevel step without regex) that `pre` names, byte for byte as in the tokenizer.json;
// nullptr when `pre` is not supported. Supported: "deepseek-v3" (DeepSeek-V3, R1, V3.1, V3.2).
const std::vector<std::string_view>* pre_split_patterns(std::string_view pre);

}  // namespace dseek
