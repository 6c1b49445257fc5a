// read_template_request (request_fields.h).
#include "chat/v3/request_fields.h"

#include "runtime/error.h"

namespace dseek::chat::v3 {

TemplateRequest read_template_request(const Json& request) {
  if (!request.is_object()) throw Error("the request body must be a JSON object");
  TemplateRequest r;
  auto m = request.find("messages");
  if (m == request.end() || !m->is_array()) throw Error("the request body needs a \"messages\" array");
  r.messages = &*m;
  if (auto g = request.find("add_generation_prompt"); g != request.end() && !g->is_null()) {
    if (!g->is_boolean()) throw Error("\"add_generation_prompt\" must be true or false");
    r.add_generation_prompt = g->get<bool>();
  }
  if (auto k = request.find("chat_template_kwargs"); k != request.end() && !k->is_null()) {
    if (!k->is_object()) throw Error("\"chat_template_kwargs\" must be an object");
    r.kwargs = &*k;
  }
  return r;
}

}  // namespace dseek::chat::v3
