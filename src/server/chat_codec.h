// The chat format the server speaks to the loaded model, picked by LmInfo::chat_format
// (engine/chat_format.h; `serve --chat-format` overrides it): V3's (chat/v3), V3.1's
// (chat/v3_1), V3.2's (chat/) or DeepSeek-V4's (chat/v4). Everything the server's chat path
// needs of a format: the prompt renderer, whether the completion starts in the reasoning, the
// completion parser and streaming parser, and the literals of the tool block (the forced prefix
// of tool_choice and the held-back block of message_stream.h).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "chat/continue.h"
#include "chat/format.h"
#include "chat/message.h"
#include "chat/python_json.h"
#include "chat/stream.h"

namespace dseek {
struct LmInfo;
}

namespace dseek::server {

struct ChatCodec {
  chat::Format format;
  std::string_view name;         // "v3", "v3.1", "v3.2" or "v4"
  // The block's start as the parser finds it: "\n\n<｜DSML｜function_calls" (V4: tool_calls),
  // "<｜tool▁calls▁begin｜>" (V3, V3.1); and its closing tag / end marker.
  std::string_view opener;
  std::string_view calls_close;
  bool tool_calls = true;        // false: the model does not call tools (V3.2-Speciale); requests with tools are refused

  // The prompt of a request body {"messages", "tools"?, "response_format"?}: chat::render_in
  // (V4: its encoder's default options; V3 / V3.1: the tools written into the system prompt).
  // Throws dseek::Error with the encoder's message.
  std::string render(const chat::Json& body, bool thinking) const;
  // The prompt that continues the body's last (assistant) message instead of closing it
  // (chat::render_continuation), and the prompt without the assistant's opening after the
  // last message (chat::render_without_generation_prompt), in the format's encoder. Throw
  // dseek::Error naming the message.
  chat::Continuation render_continuation(const chat::Json& body, bool thinking) const;
  std::string render_without_generation_prompt(const chat::Json& body, bool thinking) const;
  // Whether the completion of `prompt` is parsed in thinking mode (chat::completion_thinking:
  // V3 never; V3.1 only when the prompt ends in "<think>").
  bool completion_thinking(std::string_view prompt, bool thinking) const;
  // The format's parser (chat::parse_in). Throws dseek::Error when rejected.
  chat::AssistantMessage parse(std::string_view text, bool thinking) const;
  // The format's streaming parser; tool call i gets id call_id_prefix + i. V4: V4's block, but
  // string="false" values that are not JSON become JSON strings, as for V3.2, so `arguments`
  // is always JSON text (the server's promise; the reference V4 parser copies them verbatim,
  // and so does chat::v4's). V3 / V3.1 arguments are JSON objects by their parsers' rules.
  // `incremental` (V3.2, V4 only; see incremental_calls()): the parser releases a call at its
  // invoke header and its arguments in pieces (chat::StreamParser::set_incremental_arguments).
  std::unique_ptr<chat::DeltaParser> stream_parser(bool thinking, std::string call_id_prefix,
                                                   bool incremental = false) const;
  // Whether the streaming parser can release tool-call arguments in pieces: the DSML formats
  // (V3.2, V4); V3's and V3.1's parsers release whole calls.
  bool incremental_calls() const { return format == chat::Format::V3_2 || format == chat::Format::V4; }
  // The forced start of a completion that must call a tool (tool_choice in chat mode): the
  // block's opening and a call up to its name (DSML: `<｜DSML｜invoke name="`; V3:
  // `<｜tool▁call▁begin｜>function<｜tool▁sep｜>`; V3.1: `<｜tool▁call▁begin｜>`); with
  // `function`, that function's whole call header (V3: up to "\n```json\n", V3.1: up to
  // <｜tool▁sep｜>).
  std::string forced_call_prefix(const std::string& function = {}) const;

  static const ChatCodec& v3();
  static const ChatCodec& v31();
  static const ChatCodec& v32();
  static const ChatCodec& v4();
  // By name ("v3", "v3.1", "v3.2", "v4"; anything else: v32()); with tool_calls false, the
  // same format refusing tools.
  static const ChatCodec& for_format(std::string_view chat_format, bool tool_calls = true);
  // for_format(info.chat_format, info.tool_calls).
  static const ChatCodec& for_model(const LmInfo& info);
};

}  // namespace dseek::server
