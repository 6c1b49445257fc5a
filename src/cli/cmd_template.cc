// `dseek template`: an OpenAI-style request body -> the exact prompt text, or a completion ->
// the parsed assistant message, in one of dseek's chat formats (--chat-format): V3.2's
// (CHAT_FORMAT.md, the default), DeepSeek-V4's (chat/v4), V3-0324's (chat/v3) or V3.1's
// (chat/v3_1).
#include <iostream>

#include "chat/chat.h"
#include "chat/format.h"
#include "chat/v3/v3.h"
#include "chat/v3_1/v3_1.h"
#include "chat/v4/v4.h"
#include "cli/commands.h"
#include "cli/io_util.h"
#include "cli/request_file.h"

namespace dseek::cli {
namespace {

// The request's own thinking switch must not contradict --think: V4's top-level
// "thinking_mode", V3.1's chat_template_kwargs.thinking.
void check_think_flag(const chat::Json& body, bool think, chat::Format f) {
  if (!think || !body.is_object()) return;
  if (f == chat::Format::V4) {
    auto it = body.find("thinking_mode");
    if (it != body.end() && !it->is_null() && *it != "thinking")
      throw Error("template: --think contradicts the request's \"thinking_mode\": " + it->dump());
  }
  if (f == chat::Format::V3_1) {
    auto k = body.find("chat_template_kwargs");
    if (k != body.end() && k->is_object() && k->contains("thinking") && !chat::py_truthy((*k)["thinking"]))
      throw Error("template: --think contradicts the request's \"chat_template_kwargs\": " + k->dump());
  }
}

// The prompt of a request body: the chat template's own (V3 / V3.1: add_generation_prompt and
// chat_template_kwargs as the body gives them, tools not rendered), or with --served what run /
// chat / serve send (V3 / V3.1: tools written into the system prompt).
std::string render(const chat::Json& body, const TemplateArgs& a, chat::Format f) {
  if (a.served) return chat::render_in(f, body, a.think);
  switch (f) {
    case chat::Format::V3: return chat::v3::template_prompt(body);
    case chat::Format::V3_1: return chat::v3_1::template_prompt(body, a.think);
    case chat::Format::V4: return chat::v4::render_request(body, a.think);
    case chat::Format::V3_2: break;
  }
  return chat::render_request(body, a.think);
}

}  // namespace

int cmd_template(const TemplateArgs& a) {
  if (a.request_file.empty() == a.parse_file.empty()) throw Error("template: give exactly one of --request-file or --parse-file");
  const chat::Format f = chat::format_from_name(a.chat_format);
  if (!a.request_file.empty()) {
    chat::Json body = read_request_file(a.request_file);
    check_think_flag(body, a.think, f);
    // Exactly the prompt: no newline added.
    std::cout << render(body, a, f);
    std::cout.flush();
    return 0;
  }
  if (f == chat::Format::V3 && a.think) throw Error("template: --think: DeepSeek-V3 (--chat-format v3) has no thinking mode");
  std::string text = read_file(a.parse_file);
  chat::AssistantMessage m = chat::parse_in(f, text, a.think);
  std::cout << m.to_openai().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace dseek::cli
