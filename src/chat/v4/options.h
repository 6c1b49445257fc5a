// The DeepSeek-V4 encoder's keyword arguments (encoding_dsv4.py encode_messages:
// thinking_mode, reasoning_effort, drop_thinking, add_default_bos_token, context).
#pragma once
#include <string_view>

#include "chat/python_json.h"

namespace dseek::chat::v4 {

// reasoning_effort: None (nothing added), "high" (nothing added either) or "max" (the
// kEffortMaxPrompt before the first message in thinking mode).
enum class ReasoningEffort { None, High, Max };

struct EncodeOptions {
  bool thinking = false;                                  // thinking_mode "thinking" / "chat"
  ReasoningEffort reasoning_effort = ReasoningEffort::None;
  bool drop_thinking = true;                              // drop reasoning (and developer turns) before the last user turn
  bool add_bos = true;                                    // add_default_bos_token
  Json context = nullptr;                                 // null or an array of earlier messages
  // Not the reference's: false leaves out what follows the last message (the assistant's
  // opening, a task token), as Hugging Face's add_generation_prompt=false.
  bool add_generation_prompt = true;
};

// thinking_mode: "thinking" -> true, "chat" -> false. Throws dseek::Error
// "Invalid thinking_mode `X`" (the reference's assertion) for anything else.
bool thinking_from_mode(std::string_view mode);

// reasoning_effort as JSON: null, "high" or "max". Throws dseek::Error
// "Invalid reasoning effort: X" (the reference's assertion) for anything else, "low" included.
ReasoningEffort reasoning_effort_from(const Json& value);

// The options named by an object's fields, as the reference's keyword arguments:
// "thinking_mode" (a string; absent or null: `default_thinking`), "reasoning_effort",
// "drop_thinking" and "add_default_bos_token" (booleans; absent or null: the defaults),
// "context" (null or an array). Other fields are ignored, so a request body can carry them.
// Throws dseek::Error for an invalid thinking_mode or reasoning_effort (messages above), a
// non-boolean flag, a context that is not an array, or `fields` not an object.
EncodeOptions options_from_fields(const Json& fields, bool default_thinking = false);

}  // namespace dseek::chat::v4
