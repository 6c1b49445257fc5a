// The V3.1 template (FORMAT.md section 3), state by state.
#include "chat/v3_1/encode.h"

#include "chat/literals.h"
#include "chat/v3/literals.h"
#include "chat/v3/template_fields.h"

namespace dseek::chat::v3_1 {

std::string encode_messages(const Json& messages, const EncodeOptions& opt) {
  using namespace v3::detail;
  namespace base = chat::lit;
  namespace lit = v3::lit;
  const std::vector<Msg> msgs = read_messages(messages);
  std::string out = std::string(base::kBos) + system_prompt(msgs);
  bool last_user = false, in_tool = false;
  for (const Msg& m : msgs) {
    if (m.role == "user") {
      out += base::kUser;
      out += content(m);
      last_user = true;
      in_tool = false;
    } else if (m.role == "assistant") {
      if (const Json* calls = tool_calls(m)) {
        const std::string text = content_or_empty(m);
        if (last_user) out += std::string(base::kAssistant) + std::string(base::kThinkClose);
        for (size_t k = 0; k < calls->size(); ++k) {
          const Call c = read_call(m, k, false);
          if (k == 0) out += text + std::string(lit::kCallsBegin);
          out += std::string(lit::kCallBegin) + c.name + std::string(lit::kSep) + c.arguments + std::string(lit::kCallEnd);
        }
        out += lit::kCallsEnd;
        out += base::kEos;
        in_tool = false;
      } else {
        std::string text = content(m);
        if (last_user) {
          auto prefix = m.json->find("prefix");
          const bool open = prefix != m.json->end() && py_truthy(*prefix) && opt.thinking;
          out += std::string(base::kAssistant) + std::string(open ? base::kThinkOpen : base::kThinkClose);
        }
        if (!in_tool) {
          // Earlier reasoning is dropped: only what follows the first "</think>" stays.
          if (size_t at = text.find(base::kThinkClose); at != std::string::npos)
            text.erase(0, at + base::kThinkClose.size());
        }
        out += text;
        out += base::kEos;
        in_tool = false;
      }
      last_user = false;
    } else if (m.role == "tool") {
      out += std::string(lit::kOutputBegin) + content(m) + std::string(lit::kOutputEnd);
      in_tool = true;
      last_user = false;
    }
  }
  if (opt.add_generation_prompt && last_user && !in_tool)
    out += std::string(base::kAssistant) + std::string(opt.thinking ? base::kThinkOpen : base::kThinkClose);
  return out;
}

}  // namespace dseek::chat::v3_1
