#include "server/chat_prefill.h"

#include "server/errors.h"

namespace dseek::server {

PromptEnd parse_prompt_end(const Json& body, Json& msgs) {
  const bool continue_final = opt_bool(body, "continue_final_message").value_or(false);
  const std::optional<bool> add_generation_prompt = opt_bool(body, "add_generation_prompt");
  const size_t last = msgs.size() - 1;
  const std::string at_last = "messages[" + std::to_string(last) + "]";
  bool prefix = false;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const std::string w = "messages[" + std::to_string(i) + "]";
    if (!msgs[i].contains("prefix")) continue;
    const Json v = msgs[i]["prefix"];
    msgs[i].erase("prefix");
    if (v.is_null()) continue;
    if (!v.is_boolean()) throw bad_request(w + ".prefix must be a boolean", w + ".prefix", "invalid_type");
    if (!v.get<bool>()) continue;
    if (i != last || msgs[i]["role"] != "assistant")
      throw bad_request(w + ".prefix: only the last message, an assistant message, can be a prefix to continue",
                        w + ".prefix", "invalid_value");
    prefix = true;
  }
  const bool ends_with_assistant = msgs[last]["role"] == "assistant";
  if (continue_final && add_generation_prompt.value_or(false))
    throw bad_request("'add_generation_prompt' must be false or absent with 'continue_final_message': true (the final "
                      "message is continued, no new turn is opened)",
                      "add_generation_prompt", "invalid_value");
  if (continue_final && !ends_with_assistant)
    throw bad_request("'continue_final_message': true needs a conversation that ends with an assistant message, but " +
                          at_last + " is a " + msgs[last]["role"].get<std::string>() + " message",
                      "continue_final_message", "invalid_value");
  if (continue_final || prefix) return PromptEnd::Continue;
  if (ends_with_assistant)
    throw bad_request(at_last +
                          ": the conversation ends with an assistant message; to continue it, send "
                          "'continue_final_message': true or 'prefix': true on that message (otherwise end with a "
                          "user or tool message)",
                      at_last, "invalid_value");
  return add_generation_prompt.value_or(true) ? PromptEnd::Open : PromptEnd::Bare;
}

}  // namespace dseek::server
