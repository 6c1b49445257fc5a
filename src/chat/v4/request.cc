// Request body -> messages and encoder options -> V4 prompt.
#include "chat/v4/request.h"

#include "chat/request.h"
#include "chat/v4/encode.h"
#include "chat/v4/options.h"

namespace dseek::chat::v4 {

std::string render_request(const Json& request, bool thinking, bool add_generation_prompt) {
  Json messages = chat::request_messages(request);
  EncodeOptions opt = options_from_fields(request, thinking);
  opt.add_generation_prompt = add_generation_prompt;
  return encode_messages(messages, opt);
}

}  // namespace dseek::chat::v4
