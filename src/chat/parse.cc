// Completion parser: CHAT_FORMAT.md section 9.
#include "chat/parse.h"

#include "chat/dsml_match.h"
#include "chat/literals.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

using detail::find_first;
using detail::Hit;

[[noreturn]] void reject(const std::string& why, size_t offset) {
  throw Error("cannot parse the completion: " + why + " (at byte " + std::to_string(offset) + ")");
}

// Step 3, tool mode; `pos` is just after OPENER. Returns the position after the block.
size_t parse_tool_calls(std::string_view text, size_t pos, std::vector<ToolCall>& calls) {
  while (pos < text.size()) {
    // a. `>\n` then an invoke or the closing function_calls tag.
    Hit h = find_first(text, pos, {lit::kInvokeStart, lit::kCallsClose});
    if (text.substr(pos, h.pos - pos) != ">\n") reject("tool call format error: expected \">\\n\"", pos);
    if (h.which == 1) return h.end;
    if (h.which < 0) reject("missing special token: no invoke or closing function_calls tag", text.size());
    pos = h.end;

    // b. The invoke header up to the first parameter or the invoke's end.
    h = find_first(text, pos, {lit::kParamStart, lit::kInvokeEnd});
    ToolCall call;
    if (!detail::match_invoke_header(text.substr(pos, h.pos - pos), call.name)) {
      reject("tool name format error in the invoke header", pos);
    }
    pos = h.end;

    // c. Parameters.
    std::vector<detail::Param> params;
    while (h.which == 0) {
      Hit close = find_first(text, pos, {lit::kParamEndNoLt});
      detail::Param p;
      if (!detail::match_param_body(text.substr(pos, close.pos - pos), p)) reject("parameter format error", pos);
      for (const auto& q : params) {
        if (q.key == p.key) reject("duplicate parameter name \"" + p.key + "\"", pos);
      }
      params.push_back(std::move(p));
      pos = close.end;
      h = find_first(text, pos, {lit::kParamStart, lit::kInvokeEnd});
      if (text.substr(pos, h.pos - pos) != ">\n") reject("parameter format error: expected \">\\n\"", pos);
      pos = h.end;
    }
    // d. Record the call; pos is just after "</｜DSML｜invoke" (or at the end).
    call.arguments = detail::arguments_json(params);
    calls.push_back(std::move(call));
  }
  return pos;
}

}  // namespace

AssistantMessage parse_completion(std::string_view text, bool thinking) {
  AssistantMessage msg;
  size_t pos = 0;
  // 1. Reasoning.
  if (thinking) {
    Hit h = find_first(text, 0, {lit::kThinkClose, lit::kOpener});
    if (h.which != 0) reject("invalid thinking format: no \"</think>\" before the answer or tool calls", h.pos);
    msg.reasoning_content = text.substr(0, h.pos);
    pos = h.end;
  }
  // 2. Content.
  Hit h = find_first(text, pos, {lit::kEos, lit::kOpener});
  msg.content = text.substr(pos, h.pos - pos);
  if (h.which < 0) reject("invalid summary format: the answer does not end with EOS", text.size());
  pos = h.end;
  if (h.which == 1) {
    // 3. Tool mode, then 4: nothing but an optional EOS after the block.
    pos = parse_tool_calls(text, pos, msg.tool_calls);
    Hit eos = find_first(text, pos, {lit::kEos});
    if (eos.pos != pos) reject("unexpected content after tool calls", pos);
    pos = eos.end;
  }
  // 5. End check.
  if (pos != text.size()) reject("unexpected content at end, after EOS", pos);
  // 6. Leak check.
  if (detail::contains_special_token(msg.content) || detail::contains_special_token(msg.reasoning_content)) {
    reject("unexpected special token (BOS, EOS, <think>, </think> or DSML) in content or reasoning", 0);
  }
  return msg;
}

}  // namespace dseek::chat
