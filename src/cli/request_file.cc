#include "cli/request_file.h"

#include <algorithm>

#include "cli/io_util.h"
#include "runtime/error.h"

namespace dseek::cli {

chat::Json read_request_file(const std::string& path) {
  chat::Json body = read_json_file(path);
  if (!body.is_object()) throw Error(path + ": the request body must be a JSON object");
  auto msgs = body.find("messages");
  if (msgs == body.end() || !msgs->is_array()) return body;  // the encoder names what is missing
  for (size_t i = 0; i < msgs->size(); ++i) {
    chat::Json& m = (*msgs)[i];
    if (!m.is_object() || !m.contains("content")) continue;
    chat::Json& c = m["content"];
    const std::string where = path + ": messages[" + std::to_string(i) + "].content";
    if (c.is_string() || c.is_null()) continue;
    if (!c.is_array()) throw Error(where + " must be a string or an array of text parts, got " + c.dump());
    // The server's form (server/chat_messages.cc): text parts, joined with "\n". A list with
    // other blocks is DeepSeek-V4's (tool results in a user message): its encoder reads it.
    auto is_text = [](const chat::Json& p) {
      return p.is_object() && p.value("type", chat::Json()) == "text" && p.contains("text") && p["text"].is_string();
    };
    if (!std::all_of(c.begin(), c.end(), is_text)) continue;
    std::string text;
    for (size_t k = 0; k < c.size(); ++k) {
      if (k) text += '\n';
      text += c[k]["text"].get_ref<const std::string&>();
    }
    c = text;
  }
  return body;
}

}  // namespace dseek::cli
