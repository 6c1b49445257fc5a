// Request body -> messages and encoder options -> V4 prompt.
#include "chat/v4/request.h"

#include "chat/request.h"
#include "chat/v4/encode.h"
#include "chat/v4/options.h"

namespace dseek::chat::v4 {

std::string render_request(const Json& request, bool thinking) {
  Json messages = chat::request_messages(request);
  return encode_messages(messages, options_from_fields(request, thinking));
}

}  // namespace dseek::chat::v4
