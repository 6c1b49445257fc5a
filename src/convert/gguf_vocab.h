// The tokenizer keys llama.cpp's converter writes for DeepSeek-V3 / V3.2 (a byte-level BPE
// it calls `gpt2`, pre-tokenizer `deepseek-v3`), read from a Hugging Face checkpoint
// directory: tokenizer.json (tokens, merges, added tokens), tokenizer_config.json (special
// tokens, add_bos/add_eos, chat_template), config.json (special token ids it lacks) and
// chat_template.jinja / chat_template.json when tokenizer_config.json has no template.
//
// As the converter does: one token per id in [0, vocab_size), ids without a token are
// "[PAD<id>]" of type UNUSED (5); added tokens are CONTROL (3) when marked special or shaped
// like one (<|...|>, <｜...｜>, <pad>, ...), else USER_DEFINED (4) with '▁' read as ' ';
// the rest NORMAL (1). Merges are written "a b".
#pragma once
#include <string>
#include <vector>

#include "convert/gguf_metadata.h"

namespace dseek {

// True when DIR has a tokenizer.json.
bool has_hf_tokenizer(const std::string& dir);

// tokenizer.ggml.* and tokenizer.chat_template keys, in the converter's order. Throws
// dseek::Error naming the file for a missing or malformed tokenizer.json, a token id at or
// past vocab_size, or malformed tokenizer_config.json.
std::vector<GgufKv> gguf_vocab_metadata(const std::string& dir, int vocab_size);

}  // namespace dseek
