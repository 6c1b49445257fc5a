// The tokenizer that goes with a model path (`-m`): DIR/tokenizer.json for a Hugging Face
// checkpoint directory; for a GGUF file, its own tokenizer.ggml.* metadata (model, pre,
// tokens, token_type, merges), or a tokenizer.json beside it when the GGUF has none or when
// the two hold the same vocabulary.
#pragma once
#include <string>

#include "tokenizer/tokenizer.h"
#include "weights/gguf.h"

namespace dseek {

// True when `path` names a GGUF file (a regular file ending in ".gguf").
bool is_gguf_path(const std::string& path);

// The VocabSpec of `f`'s tokenizer.ggml.* keys (source = f.path()). Throws dseek::Error
// naming the file and the key when tokenizer.ggml.tokens or .model is absent or a key has
// the wrong type.
VocabSpec gguf_vocab_spec(const GgufFile& f);

// Throws dseek::Error naming the path (and the GGUF key) when no tokenizer can be found or
// it is malformed.
//
// A GGUF with a tokenizer.json beside it: the GGUF's vocabulary is the one its embedding and
// head rows were written for, so it wins. The tokenizer.json is used only when it holds the
// same tokens at the same ids (the GGUF's UNUSED "[PAD…]" filler ids aside; tokenizer.json
// then adds only HF's exact special flags). When the two differ, or the tokenizer.json does
// not load, the GGUF's vocabulary is used and a warning naming both files goes to `*warning`
// (or, when `warning` is null, to stderr as "dseek: warning: ..."). A warning rather than an
// error: a stray tokenizer.json of another model in a download folder must not stop a
// self-contained GGUF from running, and nothing is guessed — the GGUF's own data is used.
Tokenizer load_model_tokenizer(const std::string& path, std::string* warning = nullptr);

// Throws dseek::Error naming `path` when the tokenizer's ids (vocab_size()) do not fit the
// model's vocabulary (config.json vocab_size): a tokenizer.json of another model.
void check_tokenizer_fits(const Tokenizer& tok, int64_t model_vocab, const std::string& path);

}  // namespace dseek
