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
// "chat_template" (present or not; dseek formats prompts with its own V3.2 encoder)}.
nlohmann::ordered_json gguf_plan(const Checkpoint& ck);

// The plan as text lines on stdout.
void print_gguf_plan(const nlohmann::ordered_json& plan);

}  // namespace dseek::cli
