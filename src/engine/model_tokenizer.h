// The tokenizer that goes with a model path (`-m`): DIR/tokenizer.json for a Hugging Face
// checkpoint directory; for a GGUF file, a tokenizer.json beside it when there is one, else
// the GGUF's own tokenizer.ggml.* metadata (model, pre, tokens, token_type, merges).
#pragma once
#include <string>

#include "tokenizer/tokenizer.h"

namespace dseek {

// True when `path` names a GGUF file (a regular file ending in ".gguf").
bool is_gguf_path(const std::string& path);

// Throws dseek::Error naming the path (and the GGUF key) when no tokenizer can be found or
// it is malformed.
Tokenizer load_model_tokenizer(const std::string& path);

}  // namespace dseek
