// OpenAI-style messages -> DeepSeek-V4 prompt text (encoding_dsv4.py encode_messages).
#pragma once
#include <string>

#include "chat/python_json.h"
#include "chat/v4/options.h"

namespace dseek::chat::v4 {

// The exact prompt text DeepSeek's encoding_dsv4.py encode_messages(messages, thinking_mode,
// context, drop_thinking, add_default_bos_token, reasoning_effort) produces:
//  1. tool messages become <tool_result> blocks of user turns, consecutive user messages one
//     turn (merge_tool_messages), each turn's tool results in the order of the calls they
//     answer (sort_tool_results_by_call_order) -- context and messages alike;
//  2. BOS when opt.add_bos and there is no context;
//  3. any message (after merging) with tools turns drop_thinking off; in thinking mode with
//     drop_thinking, reasoning and developer messages before the last user turn are dropped
//     (_drop_thinking_messages);
//  4. each message of `messages` (never the context's) rendered by detail::render_message.
// Roles: system, developer, user, assistant, tool, latest_reminder; tools and
// response_format on a system or developer message; "task" (action, query, authority,
// domain, title, read_url) on a message; "wo_eos" on an assistant message. Keys of tool
// schemas print in the order the Json holds them (parse requests into ordered Json).
// Throws dseek::Error naming the message ("messages[2]", "context[0]") for everything the
// reference rejects (render.h, dsml_render.h, preprocess.h) and for non-array
// messages/context.
std::string encode_messages(const Json& messages, const EncodeOptions& opt);

}  // namespace dseek::chat::v4
