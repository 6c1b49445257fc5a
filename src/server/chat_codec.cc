#include "server/chat_codec.h"

#include "chat/literals.h"
#include "chat/parse.h"
#include "chat/request.h"
#include "chat/v4/v4.h"

namespace dseek::server {

std::string ChatCodec::render(const chat::Json& body, bool thinking) const {
  return name == "v4" ? chat::v4::render_request(body, thinking) : chat::render_request(body, thinking);
}

chat::AssistantMessage ChatCodec::parse(std::string_view text, bool thinking) const {
  return name == "v4" ? chat::v4::parse_completion(text, thinking) : chat::parse_completion(text, thinking);
}

std::string ChatCodec::forced_call_prefix(const std::string& function) const {
  // Both formats: OPENER ">\n" "<｜DSML｜invoke name=\"" NAME "\">\n" (the invoke tags are shared).
  std::string s = std::string(opener) + ">\n" + std::string(chat::lit::kInvokeStart) + " name=\"";
  if (!function.empty()) s += function + "\">\n";
  return s;
}

const ChatCodec& ChatCodec::v32() {
  static const ChatCodec c{"v3.2", chat::lit::kOpener, chat::lit::kCallsClose, chat::detail::kV32Block};
  return c;
}

const ChatCodec& ChatCodec::v4() {
  static const ChatCodec c{"v4", chat::v4::lit::kOpener, chat::v4::lit::kCallsClose,
                           chat::detail::BlockSyntax{chat::v4::lit::kOpener, chat::v4::lit::kCallsClose, false}};
  return c;
}

const ChatCodec& ChatCodec::for_format(std::string_view chat_format) { return chat_format == "v4" ? v4() : v32(); }

}  // namespace dseek::server
