// parse_completion: the reference's parse_message_from_completion_text and parse_tool_calls,
// on the shared DSML matchers of chat/dsml_match.h.
#include "chat/v4/parse.h"

#include <string>

#include "chat/literals.h"
#include "runtime/error.h"

namespace dseek::chat::v4 {
namespace {

using chat::detail::find_first;
using chat::detail::Hit;
namespace base = chat::lit;

[[noreturn]] void reject(const std::string& why, size_t offset) {
  throw Error("cannot parse the V4 completion: " + why + " (at byte " + std::to_string(offset) + ")");
}

// The text a message quotes, cut at 80 bytes (on a UTF-8 boundary).
std::string quoted(std::string_view s) {
  size_t n = s.size();
  if (n > 80) {
    n = 80;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  }
  std::string out(1, '\'');
  out.append(s.substr(0, n));
  if (n < s.size()) out.append("…");
  out.push_back('\'');
  return out;
}

// parse_tool_calls; `pos` is just after the opener. Returns the position after the block.
size_t parse_tool_calls(std::string_view text, size_t pos, std::vector<ToolCall>& calls) {
  while (pos < text.size()) {
    Hit h = find_first(text, pos, {base::kInvokeStart, lit::kCallsClose});
    std::string_view gap = text.substr(pos, h.pos - pos);
    if (gap != ">\n") reject("Tool call format error: expected '>\\n' but got " + quoted(gap), pos);
    if (h.which == 1) return h.end;
    if (h.which < 0) reject("Missing special token in tool calls", text.size());
    pos = h.end;

    h = find_first(text, pos, {base::kParamStart, base::kInvokeEnd});
    std::string_view header = text.substr(pos, h.pos - pos);
    ToolCall call;
    if (!chat::detail::match_invoke_header(header, call.name)) reject("Tool name format error: " + quoted(header), pos);
    pos = h.end;

    std::vector<chat::detail::Param> params;
    while (h.which == 0) {
      Hit close = find_first(text, pos, {base::kParamEndNoLt});
      std::string_view body = text.substr(pos, close.pos - pos);
      chat::detail::Param p;
      if (!chat::detail::match_param_body(body, p)) reject("Parameter format error: " + quoted(body), pos);
      for (const auto& q : params) {
        if (q.key == p.key) reject("Duplicate parameter name: '" + p.key + "'", pos);
      }
      params.push_back(std::move(p));
      pos = close.end;
      h = find_first(text, pos, {base::kParamStart, base::kInvokeEnd});
      gap = text.substr(pos, h.pos - pos);
      if (gap != ">\n") reject("Parameter format error: expected '>\\n' but got " + quoted(gap), pos);
      pos = h.end;
    }
    call.arguments = chat::detail::arguments_json(params, kBlock.verbatim_values);
    calls.push_back(std::move(call));
  }
  return pos;
}

}  // namespace

AssistantMessage parse_completion(std::string_view text, bool thinking) {
  AssistantMessage msg;
  size_t pos = 0;
  if (thinking) {
    Hit h = find_first(text, 0, {base::kThinkClose, lit::kOpener});
    if (h.which != 0) reject("Invalid thinking format: missing </think>", h.pos);
    msg.reasoning_content = text.substr(0, h.pos);
    pos = h.end;
  }
  Hit h = find_first(text, pos, {base::kEos, lit::kOpener});
  const size_t content_at = pos;
  msg.content = text.substr(pos, h.pos - pos);
  if (h.which < 0) reject("Invalid format: missing EOS token", text.size());
  pos = h.end;
  if (h.which == 1) {
    pos = parse_tool_calls(text, pos, msg.tool_calls);
    Hit eos = find_first(text, pos, {base::kEos});
    if (eos.pos != pos) reject("Unexpected content after tool calls", pos);
    pos = eos.end;
  }
  if (pos != text.size()) reject("Unexpected content at end", pos);
  for (std::string_view t : {base::kBos, base::kEos, base::kThinkOpen, base::kThinkClose, base::kDsml}) {
    // The offset of the token in the text: reasoning starts at 0, content at content_at.
    const size_t r = msg.reasoning_content.find(t), c = msg.content.find(t);
    if (r != std::string::npos || c != std::string::npos)
      reject("Unexpected special token '" + std::string(t) + "' in content", r != std::string::npos ? r : content_at + c);
  }
  return msg;
}

}  // namespace dseek::chat::v4
