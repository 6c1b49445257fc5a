// One message of a DeepSeek-V4 prompt (encoding_dsv4.py render_message). Internal to the V4
// encoder; declared here for its tests.
#pragma once
#include <string>
#include <vector>

#include "chat/v4/options.h"
#include "chat/v4/preprocess.h"

namespace dseek::chat::v4::detail {

// The text of turns[index] within the preprocessed conversation `turns` (context and
// messages, merged, sorted and, when dropping, dropped), then what follows it:
//  - the reasoning_effort="max" prompt first when index is 0 in thinking mode;
//  - system: content, then "\n\n" + the tools block and "\n\n" + the response-format block
//    when it carries them; developer: "<｜User｜>" + content + the same blocks; user:
//    "<｜User｜>" + its blocks joined by "\n\n" (text as is, tool results as
//    "<tool_result>…</tool_result>", a structured tool result's text blocks joined by "\n\n",
//    other blocks as "[Unsupported TYPE]"); latest_reminder: "<｜latest_reminder｜>" + content;
//    assistant: [reasoning + "</think>"] + content + [DSML tool calls] + EOS (no EOS when
//    "wo_eos" is true). The reasoning part appears in thinking mode unless the previous
//    message has a task, and then only when `drop_thinking` is false or the message comes
//    after the last user/developer message;
//  - unless the next message is anything but assistant or latest_reminder: the message's
//    task token ("action": "<｜Assistant｜>" + "<think>" or "</think>" + "<｜action｜>";
//    others their token alone), or after a user/developer message "<｜Assistant｜>" +
//    "<think>" (thinking mode, when not dropping or at/after the last user message) or
//    "</think>".
// Throws dseek::Error naming the message for: a developer message without content
// ("Invalid message for role `developer`"), an unknown role ("Unknown role: X"), an invalid
// task ("Invalid task: 'X'. Valid tasks are: [...]", checked where the reference checks it),
// non-string content / reasoning_content / latest_reminder content, non-array tools or
// tool_calls, and the tool-call errors of dsml_render.h.
std::string render_message(size_t index, const std::vector<Turn>& turns, const EncodeOptions& opt,
                           bool drop_thinking);

}  // namespace dseek::chat::v4::detail
