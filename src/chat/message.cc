// AssistantMessage -> OpenAI JSON.
#include "chat/message.h"

namespace dseek::chat {

Json AssistantMessage::to_openai() const {
  Json calls = Json::array();
  for (const ToolCall& c : tool_calls) {
    Json call = Json::object();
    if (!c.id.empty()) call["id"] = c.id;
    call["type"] = "function";
    call["function"] = Json{{"name", c.name}, {"arguments", c.arguments}};
    calls.push_back(std::move(call));
  }
  Json msg = Json::object();
  msg["role"] = "assistant";
  msg["content"] = content;
  msg["reasoning_content"] = reasoning_content;
  msg["tool_calls"] = std::move(calls);
  return msg;
}

}  // namespace dseek::chat
