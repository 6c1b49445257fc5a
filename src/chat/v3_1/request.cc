// Request body -> V3.1 prompt.
#include "chat/v3_1/request.h"

#include "chat/v3/request_fields.h"
#include "chat/v3/tool_prompt.h"
#include "chat/v3_1/encode.h"

namespace dseek::chat::v3_1 {

std::string template_prompt(const Json& request, bool thinking) {
  const v3::TemplateRequest r = v3::read_template_request(request);
  EncodeOptions opt;
  opt.add_generation_prompt = r.add_generation_prompt;
  opt.thinking = thinking;
  if (r.kwargs) {
    if (auto t = r.kwargs->find("thinking"); t != r.kwargs->end()) opt.thinking = py_truthy(*t);
  }
  return encode_messages(*r.messages, opt);
}

std::string render_request(const Json& request, bool thinking, bool add_generation_prompt) {
  const v3::TemplateRequest r = v3::read_template_request(request);
  auto tools = request.find("tools");
  const Json messages = v3::detail::messages_with_tools(*r.messages, tools == request.end() ? Json() : *tools,
                                                        v3::detail::CallExample::Plain);
  return encode_messages(messages, EncodeOptions{thinking, add_generation_prompt});
}

}  // namespace dseek::chat::v3_1
