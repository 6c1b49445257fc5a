#include "server/chat_codec.h"

#include <array>

#include "chat/literals.h"
#include "chat/v3/literals.h"
#include "chat/v4/v4.h"
#include "engine/causal_lm.h"

namespace dseek::server {
namespace {

ChatCodec make(chat::Format f, bool tool_calls) {
  namespace v3lit = chat::v3::lit;
  switch (f) {
    case chat::Format::V3: return {f, "v3", v3lit::kCallsBegin, v3lit::kCallsEnd, tool_calls};
    case chat::Format::V3_1: return {f, "v3.1", v3lit::kCallsBegin, v3lit::kCallsEnd, tool_calls};
    case chat::Format::V4: return {f, "v4", chat::v4::lit::kOpener, chat::v4::lit::kCallsClose, tool_calls};
    case chat::Format::V3_2: break;
  }
  return {chat::Format::V3_2, "v3.2", chat::lit::kOpener, chat::lit::kCallsClose, tool_calls};
}

// Every format, with tools (index 2 * f) and without (2 * f + 1).
const ChatCodec& codec(chat::Format f, bool tool_calls) {
  static const std::array<ChatCodec, 8> all = [] {
    std::array<ChatCodec, 8> a{};
    for (chat::Format g : {chat::Format::V3, chat::Format::V3_1, chat::Format::V3_2, chat::Format::V4}) {
      a[2 * static_cast<size_t>(g)] = make(g, true);
      a[2 * static_cast<size_t>(g) + 1] = make(g, false);
    }
    return a;
  }();
  return all[2 * static_cast<size_t>(f) + (tool_calls ? 0 : 1)];
}

}  // namespace

std::string ChatCodec::render(const chat::Json& body, bool thinking) const { return chat::render_in(format, body, thinking); }

chat::Continuation ChatCodec::render_continuation(const chat::Json& body, bool thinking) const {
  return chat::render_continuation(body, thinking, format);
}

std::string ChatCodec::render_without_generation_prompt(const chat::Json& body, bool thinking) const {
  return chat::render_without_generation_prompt(body, thinking, format);
}

bool ChatCodec::completion_thinking(std::string_view prompt, bool thinking) const {
  return chat::completion_thinking(format, prompt, thinking);
}

chat::AssistantMessage ChatCodec::parse(std::string_view text, bool thinking) const {
  return chat::parse_in(format, text, thinking);
}

std::unique_ptr<chat::DeltaParser> ChatCodec::stream_parser(bool thinking, std::string call_id_prefix,
                                                            bool incremental) const {
  if (!incremental_calls()) return chat::stream_parser_in(format, thinking, std::move(call_id_prefix));
  // V4: V4's block with V3.2's string="false" rule (above).
  chat::detail::BlockSyntax syntax =
      format == chat::Format::V4 ? chat::detail::BlockSyntax{opener, calls_close, false} : chat::detail::kV32Block;
  auto p = std::make_unique<chat::StreamParser>(thinking, std::move(call_id_prefix), syntax);
  p->set_incremental_arguments(incremental);
  return p;
}

std::string ChatCodec::forced_call_prefix(const std::string& function) const {
  namespace v3lit = chat::v3::lit;
  if (format == chat::Format::V3) {
    std::string s = std::string(v3lit::kCallsBegin) + std::string(v3lit::kCallBegin) + "function" + std::string(v3lit::kSep);
    if (!function.empty()) s += function + std::string(v3lit::kFenceOpen);
    return s;
  }
  if (format == chat::Format::V3_1) {
    std::string s = std::string(v3lit::kCallsBegin) + std::string(v3lit::kCallBegin);
    if (!function.empty()) s += function + std::string(v3lit::kSep);
    return s;
  }
  // DSML (V3.2, V4): OPENER ">\n" "<｜DSML｜invoke name=\"" NAME "\">\n" (the invoke tags are shared).
  std::string s = std::string(opener) + ">\n" + std::string(chat::lit::kInvokeStart) + " name=\"";
  if (!function.empty()) s += function + "\">\n";
  return s;
}

const ChatCodec& ChatCodec::v3() { return codec(chat::Format::V3, true); }
const ChatCodec& ChatCodec::v31() { return codec(chat::Format::V3_1, true); }
const ChatCodec& ChatCodec::v32() { return codec(chat::Format::V3_2, true); }
const ChatCodec& ChatCodec::v4() { return codec(chat::Format::V4, true); }

const ChatCodec& ChatCodec::for_format(std::string_view chat_format, bool tool_calls) {
  chat::Format f = chat::Format::V3_2;
  for (chat::Format g : {chat::Format::V3, chat::Format::V3_1, chat::Format::V4})
    if (chat::format_name(g) == chat_format) f = g;
  return codec(f, tool_calls);
}

const ChatCodec& ChatCodec::for_model(const LmInfo& info) { return for_format(info.chat_format, info.tool_calls); }

}  // namespace dseek::server
