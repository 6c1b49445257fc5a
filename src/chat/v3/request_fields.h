// The fields of a request body the V3 and V3.1 templates take (chat/v3/request.h,
// chat/v3_1/request.h). Internal to chat/v3 and chat/v3_1.
#pragma once
#include "chat/python_json.h"

namespace dseek::chat::v3 {

struct TemplateRequest {
  const Json* messages = nullptr;   // the body's "messages" array
  bool add_generation_prompt = true;  // the body's field; absent: true
  const Json* kwargs = nullptr;     // "chat_template_kwargs" object, or null when absent / null
};

// Throws dseek::Error naming the field for a body that is not an object, `messages` missing or
// not an array, `add_generation_prompt` not a bool, `chat_template_kwargs` not an object.
TemplateRequest read_template_request(const Json& request);

}  // namespace dseek::chat::v3
