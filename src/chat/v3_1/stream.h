// Incremental DeepSeek-V3.1 completion parser for streaming responses.
#pragma once
#include <string>
#include <utility>

#include "chat/v3/stream.h"

namespace dseek::chat::v3_1 {

// v3_1::parse_completion made incremental: chat/v3's CallStreamParser with V3.1's plain calls
// (NAME<｜tool▁sep｜>ARGS) and, when `thinking`, reasoning up to "</think>" first. feed() any
// split of a completion, then finish(); the guarantees are CallStreamParser's (chat/v3/stream.h).
class StreamParser : public v3::detail::CallStreamParser {
 public:
  explicit StreamParser(bool thinking, std::string call_id_prefix = {})
      : CallStreamParser(thinking, std::move(call_id_prefix), v3::detail::CallLayout::Plain) {}
};

}  // namespace dseek::chat::v3_1
