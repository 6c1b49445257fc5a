// The DeepSeek-V4 encoder's message preprocessing (encoding_dsv4.py merge_tool_messages,
// sort_tool_results_by_call_order, _drop_thinking_messages, find_last_user_index).
// Internal to the V4 encoder; declared here for its tests.
#pragma once
#include <string>
#include <vector>

#include "chat/python_json.h"

namespace dseek::chat::v4::detail {

// One message after preprocessing and where it came from ("messages[3]", "context[0]"), for
// error messages.
struct Turn {
  Json msg;
  std::string where;
};

// merge_tool_messages: V4 has no tool role. Each tool message becomes a block
// {"type": "tool_result", "tool_use_id": its tool_call_id, "content": its content} of a user
// message: appended to the previous message when that is a user message, else a new user
// message. Each user message becomes {"role": "user", "content", "content_blocks":
// [{"type": "text", "text": content}]} (keeping its "task"), or, when the previous message is
// a user message without a task, one more text block of it (its own task is then lost, as in
// the reference). Other messages are kept as they are. `list` names the array for errors
// ("messages" or "context").
// Throws dseek::Error naming the message for a non-object message, a missing or non-string
// role, user content that is not a string (the reference cannot render it), tool content that
// is neither a string nor a list of content-block objects, and a content block whose "type" or
// "text" is not a string.
std::vector<Turn> merge_tool_messages(const Json& messages, const std::string& list);

// sort_tool_results_by_call_order, in place: the tool_result blocks of each user message
// (when it has more than one) are reordered, stably, by the position of their tool_use_id
// among the tool calls' ids ("id", else "function"."id") of the latest assistant message with
// tool calls; an id not found counts as position 0. Text blocks keep their places.
void sort_tool_results(std::vector<Turn>& turns);

// find_last_user_index: the index of the last user or developer message, -1 if none.
long last_user_index(const std::vector<Turn>& turns);

// _drop_thinking_messages: messages before the last user/developer message lose their
// reasoning_content (assistant) or are dropped (developer and any role other than user,
// system, tool, latest_reminder and direct_search_results); the rest are kept.
std::vector<Turn> drop_thinking_turns(const std::vector<Turn>& turns);

}  // namespace dseek::chat::v4::detail
