#include "cli/request_file.h"

#include "chat/text_parts.h"
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
    // The server's form: text parts, joined. A list with other blocks is DeepSeek-V4's (tool
    // results in a user message): its encoder reads it.
    if (auto text = chat::join_text_parts(c)) c = *text;
  }
  return body;
}

}  // namespace dseek::cli
