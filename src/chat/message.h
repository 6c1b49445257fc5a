// A parsed assistant turn (CHAT_FORMAT.md section 9) and its OpenAI JSON form.
#pragma once
#include <string>
#include <vector>

#include "chat/python_json.h"

namespace dseek::chat {

struct ToolCall {
  std::string id;         // empty from the parser; a server assigns one
  std::string name;       // the invoke's name, raw
  std::string arguments;  // JSON text of an object, always valid JSON
};

struct AssistantMessage {
  std::string content;
  std::string reasoning_content;  // "" in chat mode
  std::vector<ToolCall> tool_calls;

  // {"role": "assistant", "content", "reasoning_content", "tool_calls": [{"id"?, "type":
  // "function", "function": {"name", "arguments"}}]}: the message shape of the parse
  // vectors. "id" is present only when set. The result can be fed back to
  // encode_messages as an assistant message.
  Json to_openai() const;
};

}  // namespace dseek::chat
