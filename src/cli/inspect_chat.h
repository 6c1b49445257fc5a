// The chat format line of `dseek inspect` (engine/chat_format.h's rule).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "weights/gguf.h"

namespace dseek::cli {

// {"format": "v3.1", "tool_calls": true, "reason": "..."} for the checkpoint at `path`
// (`gguf`: its first GGUF part, or null for a directory). Throws as checkpoint_chat_format.
nlohmann::ordered_json chat_format_json(const std::string& path, const std::string& model_type,
                                        const GgufFile* gguf = nullptr);

// "chat format: v3.1 (REASON)" and, for a model without tool calling, a second line saying so.
void print_chat_format(const nlohmann::ordered_json& f);

}  // namespace dseek::cli
