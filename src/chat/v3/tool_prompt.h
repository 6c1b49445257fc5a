// Tool definitions for the V3 and V3.1 formats, whose chat templates never render `tools`: the
// caller writes them into the system prompt. Internal to chat/v3 and chat/v3_1.
#pragma once
#include <string>
#include <string_view>

#include "chat/python_json.h"

namespace dseek::chat::v3::detail {

// How one call is written, for the format line of the description.
enum class CallExample {
  Plain,   // V3.1: <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>tool_call_name<｜tool▁sep｜>tool_call_arguments...
  Fenced,  // V3:   ...<｜tool▁call▁begin｜>function<｜tool▁sep｜>tool_call_name\n```json\n...\n```...
};

// The tool description of the DeepSeek-V3.1 model card (chat-v3.1/FORMAT.md section 2):
// "## Tools\nYou have access to the following tools:\n\n", for each tool
// "### NAME\nDescription: DESC\n\nParameters: JSON\n\n" (JSON: json.dumps of its parameters,
// "{}" when absent), then the "IMPORTANT: ALWAYS adhere to this exact format for tool use:"
// paragraph with the call layout and three "Where:" lines. V3 has no documented layout;
// Fenced is this one with V3's own call syntax (dseek's choice). Throws dseek::Error naming
// "tools[i]" for an entry without a function object with a string name, or a non-string
// description.
std::string describe_tools(const Json& tools, CallExample example);

// `messages` with describe_tools(tools) added to the system prompt, as the model card says:
// "{system prompt}\n\n{tool description}" -- appended to the last system message (the templates
// join every system message into one prompt at the front), or a new leading system message
// holding the description alone. `tools` null or [] returns `messages` unchanged. Throws as
// describe_tools, and when `tools` is not an array or `messages` not an array.
Json messages_with_tools(const Json& messages, const Json& tools, CallExample example);

}  // namespace dseek::chat::v3::detail
