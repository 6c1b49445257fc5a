// The V3-0324 template (FORMAT.md section 3), state by state.
#include "chat/v3/encode.h"

#include "chat/literals.h"
#include "chat/v3/literals.h"
#include "chat/v3/template_fields.h"

namespace dseek::chat::v3 {

std::string encode_messages(const Json& messages, bool add_generation_prompt) {
  using namespace detail;
  namespace base = chat::lit;
  const std::vector<Msg> msgs = read_messages(messages);
  std::string out = std::string(base::kBos) + system_prompt(msgs);
  bool last_user = false, in_tool = false, first_output = true;
  for (const Msg& m : msgs) {
    if (m.role == "user") {
      out += base::kUser;
      out += content(m);
      out += base::kAssistant;  // 0324: the user turn opens the assistant's
      last_user = true;
      in_tool = false;
    } else if (m.role == "assistant") {
      if (const Json* calls = tool_calls(m)) {
        const std::string text = content_or_empty(m);
        if (in_tool) out += lit::kOutputsEnd;
        for (size_t k = 0; k < calls->size(); ++k) {
          const Call c = read_call(m, k, true);
          if (k == 0) {
            out += text;
            out += lit::kCallsBegin;
          } else {
            out += "\n";
          }
          out += lit::kCallBegin;
          out += c.type + std::string(lit::kSep) + c.name + std::string(lit::kFenceOpen) + c.arguments +
                 std::string(lit::kFenceClose);
          out += lit::kCallEnd;
        }
        out += lit::kCallsEnd;
        out += base::kEos;
        first_output = true;  // 0324 resets the call state with every message
      } else {
        const std::string text = content(m);
        if (in_tool) out += lit::kOutputsEnd;
        out += text;
        out += base::kEos;
      }
      last_user = in_tool = false;
    } else if (m.role == "tool") {
      const std::string text = content(m);
      if (first_output) {
        out += lit::kOutputsBegin;
        first_output = false;
      } else {
        out += "\n";
      }
      out += std::string(lit::kOutputBegin) + text + std::string(lit::kOutputEnd);
      in_tool = true;
      last_user = false;
    }
  }
  if (in_tool) out += lit::kOutputsEnd;
  if (add_generation_prompt && !last_user && !in_tool) out += base::kAssistant;
  return out;
}

}  // namespace dseek::chat::v3
