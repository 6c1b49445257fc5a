// One tool call's layout and the marker checks (calls.h).
#include "chat/v3/calls.h"

#include "chat/json_syntax.h"
#include "chat/literals.h"
#include "chat/v3/literals.h"

namespace dseek::chat::v3::detail {
namespace {

bool has_tool_marker(std::string_view s) {
  for (std::string_view m : lit::kToolMarkers)
    if (s.find(m) != std::string_view::npos) return true;
  return false;
}

bool contains(std::string_view s, std::string_view t) { return s.find(t) != std::string_view::npos; }

}  // namespace

std::string_view layout_format(CallLayout layout) { return layout == CallLayout::Fenced ? "V3" : "V3.1"; }

bool has_special_marker(std::string_view s) {
  namespace base = chat::lit;
  for (std::string_view m : {base::kBos, base::kEos, base::kUser, base::kAssistant, base::kThinkOpen, base::kThinkClose})
    if (contains(s, m)) return true;
  return has_tool_marker(s);
}

std::string parse_call_body(std::string_view body, CallLayout layout, ToolCall& out) {
  const size_t sep = body.find(lit::kSep);
  if (sep == std::string_view::npos) return "missing " + std::string(lit::kSep);
  std::string_view name = body.substr(0, sep), args = body.substr(sep + lit::kSep.size());
  if (layout == CallLayout::Fenced) {
    if (name != "function") return "tool call type is not 'function'";
    const size_t fence = args.find(lit::kFenceOpen);
    if (fence == std::string_view::npos) return "missing ```json fence";
    name = args.substr(0, fence);
    args = args.substr(fence + lit::kFenceOpen.size());
    if (args.size() < lit::kFenceClose.size() || args.substr(args.size() - lit::kFenceClose.size()) != lit::kFenceClose)
      return "missing closing ``` fence";
    args.remove_suffix(lit::kFenceClose.size());
  }
  if (name.empty()) return "empty tool name";
  if (has_special_marker(name)) return "special marker in tool name";
  if (has_tool_marker(args) || contains(args, chat::lit::kBos) || contains(args, chat::lit::kEos))
    return "special marker in arguments";
  if (!is_json_text(args)) return "arguments are not valid JSON";
  size_t i = 0;
  while (i < args.size() && is_block_space(args[i])) ++i;
  if (args[i] != '{') return "arguments are not a JSON object";
  out.name = name;
  out.arguments = args;
  return {};
}

}  // namespace dseek::chat::v3::detail
