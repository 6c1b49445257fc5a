// OpenAI-style messages -> DeepSeek-V3.2 prompt text (CHAT_FORMAT.md sections 2-8).
#pragma once
#include <string>
#include <string_view>

#include "chat/python_json.h"

namespace dseek::chat {

// The reference encoder's options (CHAT_FORMAT.md section 2).
struct EncodeOptions {
  bool thinking = false;       // thinking_mode "thinking" (true) or "chat" (false)
  bool drop_thinking = true;   // accepted for fidelity; it changes no output (section 6, below)
  bool add_bos = true;         // add_default_bos_token
  Json context = nullptr;      // null or an array of earlier messages (already in the KV cache)
  // false: the last message is not followed by the assistant's opening ("<｜Assistant｜>" +
  // think marker after a user or developer turn, "\n\n" + think marker after tool results),
  // as Hugging Face's add_generation_prompt=false (not an option of the reference encoder).
  bool add_generation_prompt = true;
};

// Maps the reference's thinking_mode string to EncodeOptions::thinking: "thinking" -> true,
// "chat" -> false. Throws dseek::Error for any other value (CHAT_FORMAT.md section 7).
bool thinking_from_mode(std::string_view mode);

// Renders `messages` (a JSON array of OpenAI-style message objects: system, developer, user,
// assistant, tool; tools and response_format carried by a system or developer message, as
// the reference takes them) into the exact prompt text DeepSeek's encoding_dsv32.py
// produces, implementing CHAT_FORMAT.md sections 3 (assembly, BOS, context), 4 (each role,
// TOOLS_BLOCK, RESPONSE_FORMAT_BLOCK, DSML tool calls, tool results), 5-6 (think markers and
// the reasoning-drop rule) and 8 (Python JSON text).
//
// With a non-empty opt.context only `messages` are rendered (no BOS), but the last-user
// index and the tool-call bookkeeping look at context + messages. Keys of tool schemas are
// printed in the order the Json holds them, so parse requests into Json (ordered_json).
//
// One deliberate difference from the reference (section 6, vector enc-reference_quirk-01):
// with thinking and drop_thinking, a developer message before the last user message makes
// the reference fail; here it renders as with drop_thinking=false.
//
// Throws dseek::Error naming the message (e.g. "messages[3]") for every error of section 7:
// a developer message with empty content, a thinking-mode assistant after the last user
// turn with neither reasoning_content nor tool_calls, a tool message that does not follow
// an assistant with enough tool calls, an unknown role, tool-call arguments that are not a
// JSON text (Python json.loads rules) of an object. Also for shapes the reference cannot
// render: a non-array `messages`/`context`, a missing or non-string role, user/tool content
// that is not a string (the reference would print None), non-string assistant fields, a
// tools entry without a `function` object, a tool call without string name and arguments.
std::string encode_messages(const Json& messages, const EncodeOptions& opt);

}  // namespace dseek::chat
