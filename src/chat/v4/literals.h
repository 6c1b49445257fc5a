// Fixed strings of the DeepSeek-V4 chat format (encoding_dsv4.py's special tokens and
// templates) that V3.2's format lacks. The ones both formats share -- BOS, EOS, <｜User｜>,
// <｜Assistant｜>, <think>, </think>, the invoke/parameter tags, the response-format
// prefix -- are chat::lit's (chat/literals.h).
#pragma once
#include <array>
#include <string_view>

namespace dseek::chat::v4::lit {

// The tool-call block: "<｜DSML｜tool_calls>" (V3.2: function_calls).
inline constexpr std::string_view kCallsOpen = "<｜DSML｜tool_calls>";
inline constexpr std::string_view kCallsClose = "</｜DSML｜tool_calls>";
// The parser's start of a tool block: two newlines and the opening tag without its '>'.
inline constexpr std::string_view kOpener = "\n\n<｜DSML｜tool_calls";

// Role markers and tool results (LATEST_REMINDER_SP_TOKEN, tool_output_template).
inline constexpr std::string_view kLatestReminder = "<｜latest_reminder｜>";
inline constexpr std::string_view kToolResultOpen = "<tool_result>";
inline constexpr std::string_view kToolResultClose = "</tool_result>";

// TOOLS_TEMPLATE around the tool schemas (one JSON line each), in literals.cc.
extern const std::string_view kToolsBlockPrefix;  // "## Tools\n\n... ### Available Tool Schemas\n\n"
extern const std::string_view kToolsBlockSuffix;  // "\n\nYou MUST strictly follow ... tool calls.\n"

// The prompt reasoning_effort="max" puts before the first message in thinking mode.
extern const std::string_view kEffortMaxPrompt;

// DS_TASK_SP_TOKENS: a message's `task` and the special token it appends.
struct Task {
  std::string_view name;
  std::string_view token;
};
inline constexpr std::array<Task, 6> kTasks{{
    {"action", "<｜action｜>"},
    {"query", "<｜query｜>"},
    {"authority", "<｜authority｜>"},
    {"domain", "<｜domain｜>"},
    {"title", "<｜title｜>"},
    {"read_url", "<｜read_url｜>"},
}};

}  // namespace dseek::chat::v4::lit
