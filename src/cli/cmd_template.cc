// `dseek template`: an OpenAI-style request body -> the exact prompt text, or a completion ->
// the parsed assistant message, in the V3.2 chat format (CHAT_FORMAT.md) or, with
// --chat-format v4, DeepSeek-V4's (chat/v4).
#include <iostream>

#include "chat/chat.h"
#include "chat/v4/v4.h"
#include "cli/commands.h"
#include "cli/io_util.h"

namespace dseek::cli {
namespace {

// The V4 request's own thinking_mode must not contradict --think.
void check_think_flag(const chat::Json& body, bool think) {
  if (!think || !body.is_object()) return;
  auto it = body.find("thinking_mode");
  if (it != body.end() && !it->is_null() && *it != "thinking") {
    throw Error("template: --think contradicts the request's \"thinking_mode\": " + it->dump());
  }
}

}  // namespace

int cmd_template(const TemplateArgs& a) {
  if (a.request_file.empty() == a.parse_file.empty()) throw Error("template: give exactly one of --request-file or --parse-file");
  const bool v4 = a.chat_format == "v4";
  if (!v4 && a.chat_format != "v3.2") throw Error("template: unknown --chat-format '" + a.chat_format + "' (v3.2 or v4)");
  if (!a.request_file.empty()) {
    chat::Json body = read_json_file(a.request_file);
    if (v4) check_think_flag(body, a.think);
    // Exactly the prompt: no newline added.
    std::cout << (v4 ? chat::v4::render_request(body, a.think) : chat::render_request(body, a.think));
    std::cout.flush();
    return 0;
  }
  std::string text = read_file(a.parse_file);
  chat::AssistantMessage m = v4 ? chat::v4::parse_completion(text, a.think) : chat::parse_completion(text, a.think);
  std::cout << m.to_openai().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace dseek::cli
