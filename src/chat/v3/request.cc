// Request body -> V3 prompt.
#include "chat/v3/request.h"

#include "chat/v3/encode.h"
#include "chat/v3/request_fields.h"
#include "chat/v3/tool_prompt.h"

namespace dseek::chat::v3 {

std::string template_prompt(const Json& request) {
  const TemplateRequest r = read_template_request(request);
  return encode_messages(*r.messages, r.add_generation_prompt);
}

std::string render_request(const Json& request, bool add_generation_prompt) {
  const TemplateRequest r = read_template_request(request);
  auto tools = request.find("tools");
  const Json messages = detail::messages_with_tools(*r.messages, tools == request.end() ? Json() : *tools,
                                                    detail::CallExample::Fenced);
  return encode_messages(messages, add_generation_prompt);
}

}  // namespace dseek::chat::v3
