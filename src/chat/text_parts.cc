#include "chat/text_parts.h"

namespace dseek::chat {

bool is_text_part(const Json& part) {
  return part.is_object() && part.contains("type") && part["type"] == "text" && part.contains("text") &&
         part["text"].is_string();
}

std::optional<std::string> join_text_parts(const Json& parts) {
  if (!parts.is_array()) return std::nullopt;
  std::string text;
  for (size_t k = 0; k < parts.size(); ++k) {
    if (!is_text_part(parts[k])) return std::nullopt;
    if (k) text += '\n';
    text += parts[k]["text"].get_ref<const std::string&>();
  }
  return text;
}

}  // namespace dseek::chat
