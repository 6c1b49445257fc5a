// `dseek inspect` on a GGUF: bytes by tensor class and type, and what a decoded token reads.
#pragma once
#include <nlohmann/json.hpp>

#include "weights/checkpoint.h"

namespace dseek::cli {

// The class of a GGUF tensor by its name: "embedding", "output", "attention", "indexer",
// "dense ffn", "routed experts", "shared experts", "norms+router", "mtp" (the nextn block,
// block index >= num_hidden_layers), "other".
std::string gguf_tensor_class(const std::string& gguf_name, int num_hidden_layers);

// JSON: {"classes": {CLASS: {TYPE: {"tensors", "params", "bytes"}}}, "total_bytes",
// "bits_per_weight", "active_bytes_per_token" (every main-model tensor but the routed experts
// and the embedding, plus k/E of the routed experts and one embedding row),
// "chat_template" (present or not; dseek formats prompts with its own encoder of the chat format
// the template names, engine/chat_format.h)}.
nlohmann::ordered_json gguf_plan(const Checkpoint& ck);

// The plan as text lines on stdout.
void print_gguf_plan(const nlohmann::ordered_json& plan);

// The tokenizer the GGUF's tokenizer.ggml.* keys describe: {"model", "pre", "tokens",
// "token_types": {"normal", "control", ...: count}, "merges", "bos_token_id", "eos_token_id",
// "padding_token_id" (null when absent), "add_bos_token", "add_eos_token"}; null when the
// file has no tokenizer.ggml.tokens.
nlohmann::ordered_json gguf_tokenizer_summary(const GgufFile& f);
// One line ("tokenizer: gpt2 (pre deepseek-v3), 129280 tokens (...), 127741 merges; BOS 0, ...").
std::string gguf_tokenizer_line(const nlohmann::ordered_json& summary);

// The config part of `dseek inspect` (shared by checkpoints and tensor-less GGUFs): the
// "config" JSON object, and the text lines after the first.
nlohmann::ordered_json inspect_config_json(const ModelConfig& c);
void print_inspect_config(const ModelConfig& c);

// `dseek inspect` of a GGUF (set) without tensors, e.g. a `--vocab-only` conversion: the
// config its metadata implies, the tokenizer and chat template, and that it has no weights.
// Text or, with `json`, one JSON object ("tensors": 0, "vocab_only": true). Returns 0.
int inspect_gguf_without_tensors(const Checkpoint& ck, bool json);

}  // namespace dseek::cli
