// Chat encoding of arbitrary request JSON: byte 0 picks the format (bits 0-1: V3.2, V3,
// V3.1, V4) and thinking (bit 2); the rest is parsed with nlohmann (text that is not JSON
// is skipped) and rendered with render_in, the encoder every front end uses. Any request
// either gives a prompt or throws dseek::Error (the documented error: a malformed body,
// message, tool or field). Checks: no crash, no UB, no leak, no hang, no other exception
// (an nlohmann type_error from reading a field of the wrong type is a finding).
#include <cstdint>
#include <string>

#include "chat/format.h"
#include "chat/python_json.h"
#include "runtime/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const dseek::chat::Format kFormats[] = {dseek::chat::Format::V3_2, dseek::chat::Format::V3,
                                                 dseek::chat::Format::V3_1, dseek::chat::Format::V4};
  const dseek::chat::Format format = kFormats[data[0] & 3];
  const bool thinking = data[0] & 4;
  const dseek::chat::Json request =
      dseek::chat::Json::parse(data + 1, data + size, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return 0;
  try {
    (void)dseek::chat::render_in(format, request, thinking);
  } catch (const dseek::Error&) {
  }
  return 0;
}
