// Request body -> messages -> prompt.
#include "chat/request.h"

#include "chat/encode.h"
#include "runtime/error.h"

namespace dseek::chat {

Json request_messages(const Json& request) {
  if (!request.is_object()) throw Error("request body must be a JSON object");
  auto msgs = request.find("messages");
  if (msgs == request.end() || !msgs->is_array()) throw Error("request body needs a \"messages\" array");

  Json tools;  // null when absent
  if (auto it = request.find("tools"); it != request.end() && !it->is_null()) {
    if (!it->is_array()) throw Error("request \"tools\" must be an array");
    if (!it->empty()) tools = *it;
  }
  Json response_format;
  if (auto it = request.find("response_format"); it != request.end() && py_truthy(*it)) {
    bool plain_text = it->is_object() && it->size() == 1 && it->contains("type") && (*it)["type"] == "text";
    if (!plain_text) response_format = *it;
  }

  Json messages = *msgs;
  if (tools.is_null() && response_format.is_null()) return messages;

  bool has_system = !messages.empty() && messages[0].is_object() && messages[0].contains("role") &&
                    messages[0]["role"] == "system";
  if (!has_system) {
    messages.insert(messages.begin(), Json{{"role", "system"}, {"content", ""}});
  }
  Json& system = messages[0];
  auto attach = [&](const char* key, Json value) {
    if (value.is_null()) return;
    if (auto it = system.find(key); it != system.end() && py_truthy(*it)) {
      throw Error(std::string("request has top-level \"") + key + "\" and messages[0] (system) carries \"" + key +
                  "\" too; give them in one place");
    }
    system[key] = std::move(value);
  };
  attach("tools", std::move(tools));
  attach("response_format", std::move(response_format));
  return messages;
}

std::string render_request(const Json& request, bool thinking) {
  EncodeOptions opt;
  opt.thinking = thinking;
  return encode_messages(request_messages(request), opt);
}

}  // namespace dseek::chat
