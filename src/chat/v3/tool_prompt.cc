// The model card's tool description (tool_prompt.h).
#include "chat/v3/tool_prompt.h"

#include "chat/v3/literals.h"
#include "runtime/error.h"

namespace dseek::chat::v3::detail {
namespace {

std::string call_layout(CallExample example) {
  std::string s = std::string(lit::kCallsBegin) + std::string(lit::kCallBegin);
  if (example == CallExample::Fenced) {
    s += "function" + std::string(lit::kSep) + "tool_call_name" + std::string(lit::kFenceOpen) + "tool_call_arguments" +
         std::string(lit::kFenceClose);
  } else {
    s += "tool_call_name" + std::string(lit::kSep) + "tool_call_arguments";
  }
  return s + std::string(lit::kCallEnd) + "{{additional_tool_calls}}" + std::string(lit::kCallsEnd);
}

}  // namespace

std::string describe_tools(const Json& tools, CallExample example) {
  std::string s = "## Tools\nYou have access to the following tools:\n\n";
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string where = "tools[" + std::to_string(i) + "]";
    const Json& t = tools[i];
    auto f = t.is_object() ? t.find("function") : t.end();
    if (!t.is_object() || f == t.end() || !f->is_object() || !f->contains("name") || !(*f)["name"].is_string())
      throw Error(where + " must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
    std::string desc;
    if (auto d = f->find("description"); d != f->end() && !d->is_null()) {
      if (!d->is_string()) throw Error(where + ".function.description must be a string");
      desc = d->get<std::string>();
    }
    auto p = f->find("parameters");
    const std::string params = p == f->end() || p->is_null() ? "{}" : py_dumps(*p);
    s += "### " + (*f)["name"].get<std::string>() + "\nDescription: " + desc + "\n\nParameters: " + params + "\n\n";
  }
  s += "IMPORTANT: ALWAYS adhere to this exact format for tool use:\n" + call_layout(example) + "\n\nWhere:\n";
  s += "- `tool_call_name` must be an exact match to one of the available tools\n";
  s += "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n";
  s += example == CallExample::Fenced ? "- For multiple tool calls, put each on a new line after the previous one"
                                      : "- For multiple tool calls, chain them directly without separators or spaces";
  return s;
}

Json messages_with_tools(const Json& messages, const Json& tools, CallExample example) {
  if (!messages.is_array()) throw Error("messages must be an array of message objects");
  if (tools.is_null()) return messages;
  if (!tools.is_array()) throw Error("tools must be an array");
  if (tools.empty()) return messages;
  const std::string desc = describe_tools(tools, example);
  Json out = messages;
  for (size_t i = out.size(); i-- > 0;) {
    Json& m = out[i];
    if (m.is_object() && m.value("role", Json()) == "system" && m.contains("content") && m["content"].is_string()) {
      m["content"] = m["content"].get<std::string>() + "\n\n" + desc;
      return out;
    }
  }
  out.insert(out.begin(), Json{{"role", "system"}, {"content", desc}});
  return out;
}

}  // namespace dseek::chat::v3::detail
