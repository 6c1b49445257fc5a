// `dseek template`: an OpenAI-style request body -> the exact V3.2 prompt text, or a
// completion -> the parsed assistant message (CHAT_FORMAT.md).
#include <iostream>

#include "chat/chat.h"
#include "cli/commands.h"
#include "cli/io_util.h"

namespace dseek::cli {

int cmd_template(const TemplateArgs& a) {
  if (a.request_file.empty() == a.parse_file.empty()) throw Error("template: give exactly one of --request-file or --parse-file");
  if (!a.request_file.empty()) {
    chat::Json body = read_json_file(a.request_file);
    std::cout << chat::render_request(body, a.think);  // exactly the prompt: no newline added
    std::cout.flush();
    return 0;
  }
  std::string text = read_file(a.parse_file);
  chat::AssistantMessage m = chat::parse_completion(text, a.think);
  std::cout << m.to_openai().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace dseek::cli
