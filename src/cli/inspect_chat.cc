// The chat format of `dseek inspect` (inspect_chat.h).
#include "cli/inspect_chat.h"

#include <cstdio>

#include "engine/chat_format.h"

namespace dseek::cli {

nlohmann::ordered_json chat_format_json(const std::string& path, const std::string& model_type, const GgufFile* gguf) {
  const chat::FormatChoice f = checkpoint_chat_format(path, model_type, gguf);
  return {{"format", chat::format_name(f.format)}, {"tool_calls", f.tool_calls}, {"reason", f.reason}};
}

void print_chat_format(const nlohmann::ordered_json& f) {
  std::printf("chat format: %s (%s; run / chat / serve --chat-format overrides it)\n", f["format"].get<std::string>().c_str(),
              f["reason"].get<std::string>().c_str());
  if (!f["tool_calls"].get<bool>()) std::printf("tool calling: none (requests with tools are refused)\n");
}

}  // namespace dseek::cli
