// parse_completion: V3's rules (chat/v3/parse.cc) with V3.1's plain calls and thinking step.
#include "chat/v3_1/parse.h"

#include "chat/v3/parse.h"

namespace dseek::chat::v3_1 {

AssistantMessage parse_completion(std::string_view text, bool thinking) {
  return v3::detail::parse_completion(text, thinking, v3::detail::CallLayout::Plain);
}

}  // namespace dseek::chat::v3_1
