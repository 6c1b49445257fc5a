// The chat format the server speaks to the loaded model: V3.2's (chat/) or DeepSeek-V4's
// (chat/v4), picked by LmInfo::chat_format. Everything the server's chat path needs of a
// format: the prompt renderer, the completion parser, the tool block's syntax for the
// streaming parser, and the literals of the block (the forced prefix of tool_choice and the
// held-back block of message_stream.h).
#pragma once
#include <string>
#include <string_view>

#include "chat/dsml_match.h"
#include "chat/message.h"
#include "chat/python_json.h"

namespace dseek::server {

struct ChatCodec {
  std::string_view name;         // "v3.2" or "v4"
  std::string_view opener;       // the block's start as the parser finds it: "\n\n<｜DSML｜function_calls" (V4: tool_calls)
  std::string_view calls_close;  // "</｜DSML｜function_calls>" (V4: "</｜DSML｜tool_calls>")
  // The streaming parser's block syntax. V4: V4's block, but string="false" values that are not
  // JSON become JSON strings, as for V3.2, so `arguments` is always JSON text (the server's
  // promise; the reference V4 parser would copy them verbatim, and so does chat::v4's).
  chat::detail::BlockSyntax block;

  // The prompt of a request body {"messages", "tools"?, "response_format"?}: chat::render_request
  // or chat::v4::render_request (its default options: BOS, drop_thinking, no reasoning_effort).
  // Throws dseek::Error with the encoder's message.
  std::string render(const chat::Json& body, bool thinking) const;
  // chat::parse_completion or chat::v4::parse_completion. Throws dseek::Error when rejected.
  chat::AssistantMessage parse(std::string_view text, bool thinking) const;
  // The forced start of a completion that must call a tool (tool_choice in chat mode): the
  // block's opening tag and an invoke up to its name="; with `function`, that function's whole
  // invoke header.
  std::string forced_call_prefix(const std::string& function = {}) const;

  static const ChatCodec& v32();
  static const ChatCodec& v4();
  // By LmInfo::chat_format: "v4" -> v4(), anything else -> v32().
  static const ChatCodec& for_format(std::string_view chat_format);
};

}  // namespace dseek::server
