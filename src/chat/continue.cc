#include "chat/continue.h"

#include "chat/literals.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

std::string text_field(const Json& m, const char* key, const std::string& where) {
  auto it = m.find(key);
  if (it == m.end() || it->is_null()) return {};
  if (!it->is_string()) throw Error(where + "." + key + " must be a string");
  return it->get<std::string>();
}

// The roles after which the format's prompt ends with the assistant's opening (V3.1 after
// tool results: the template's own end, no opening; the assistant's text follows there).
bool opens_assistant(Format f, const std::string& role) {
  if (role == "user" || role == "tool") return true;
  return role == "developer" && (f == Format::V3_2 || f == Format::V4);
}

}  // namespace

Continuation render_continuation(const Json& request, bool thinking, Format format) {
  if (!request.is_object() || !request.contains("messages") || !request.at("messages").is_array())
    throw Error("request body needs a \"messages\" array");
  const Json& messages = request.at("messages");
  if (messages.empty()) throw Error("there is no assistant message to continue");
  const size_t last = messages.size() - 1;
  const std::string where = "messages[" + std::to_string(last) + "]";
  const Json& m = messages[last];
  if (!m.is_object() || m.value("role", "") != "assistant")
    throw Error(where + ": only an assistant message can be continued");
  if (auto c = m.find("tool_calls"); c != m.end() && !c->is_null() && !(c->is_array() && c->empty()))
    throw Error(where + ": an assistant message with tool_calls cannot be continued");
  const std::string prev_role = last > 0 && messages[last - 1].is_object() ? messages[last - 1].value("role", "") : "";
  if (!opens_assistant(format, prev_role))
    throw Error(where + ": a continued assistant message must follow a user" +
                std::string(format == Format::V3_2 || format == Format::V4 ? ", developer" : "") +
                " or tool message, not " + (prev_role.empty() ? std::string("nothing") : prev_role));

  Json before = request;
  before["messages"].erase(last);
  Continuation out;
  out.prompt = render_in(format, before, thinking);
  const std::string content = text_field(m, "content", where);
  // In thinking mode the opening is "<think>": the reasoning comes first, and stays open
  // when nothing follows it.
  if (thinking && out.prompt.ends_with(lit::kThinkOpen)) {
    out.prompt += text_field(m, "reasoning_content", where);
    if (content.empty()) {
      out.in_reasoning = true;
      return out;
    }
    out.prompt += lit::kThinkClose;
  }
  out.prompt += content;
  return out;
}

std::string render_without_generation_prompt(const Json& request, bool thinking, Format format) {
  return render_in(format, request, thinking, false);
}

}  // namespace dseek::chat
