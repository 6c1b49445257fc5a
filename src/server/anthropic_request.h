// POST /v1/messages body (Anthropic Messages API) -> what to generate. The request is
// checked field by field (ApiError 400 naming the field, Anthropic's names), translated into
// the equivalent OpenAI chat request and rendered by the same path as /v1/chat/completions
// (parse_chat_request), so both APIs give the model the same prompt for the same conversation.
#pragma once
#include <string>
#include <vector>

#include "server/chat_request.h"

namespace dseek::server {

struct AnthropicPlan {
  Json openai_body;  // the equivalent OpenAI chat request (what was rendered)
  ChatPlan chat;     // prompt, thinking, forced tool prefix, generation parameters (stop = stop_sequences)
  bool stream = false;
  int max_tool_uses = -1;  // 1 with tool_choice.disable_parallel_tool_use, else -1 (all)
};

// Validates an Anthropic request and returns the equivalent OpenAI chat request body.
//  * Top level: model (string, required), max_tokens (integer >= 1; required unless
//    `count_only`: /v1/messages/count_tokens), messages, system, tools, tool_choice, thinking, temperature [0, 1],
//    top_p [0, 1], top_k >= 0, stop_sequences (up to 64 non-empty strings), stream,
//    metadata ({"user_id"}). Any other field is refused by name.
//  * system: a string or text blocks (joined with "\n") -> a leading system message.
//  * messages: alternating-free list of {"role": "user" | "assistant", "content"}; content a
//    string or blocks. User blocks: text, tool_result {tool_use_id, content (string or text
//    blocks), is_error} -> tool messages (before the user's text, which becomes a user
//    message; an is_error result's text is prefixed "Error: "), each tool_use_id matching a
//    tool_use of the assistant message right before. Assistant blocks: thinking {thinking,
//    signature} -> reasoning_content, text -> content, tool_use {id, name, input (object)}
//    -> tool_calls (arguments = input as JSON text). `cache_control` and text `citations`
//    are accepted and ignored anywhere; other block types (image, document, redacted_thinking,
//    server tools) are refused. The last message must be a user message (no prefill).
//  * tools: [{name, description?, input_schema, type?: "custom"}] -> functions;
//    tool_choice {type: auto | any | tool (name) | none, disable_parallel_tool_use?} ->
//    "auto" | "required" | the named function | "none"; disable_parallel_tool_use: true
//    reports only the first tool_use of the model's block (AnthropicPlan::max_tool_uses).
//  * thinking: {"type": "enabled", "budget_tokens" >= 1024} or {"type": "adaptive"} ->
//    thinking mode (the budget is not enforced: max_tokens bounds the whole turn);
//    {"type": "disabled"} or absent -> chat mode.
Json anthropic_to_openai(const Json& body, bool count_only = false);

// anthropic_to_openai, then parse_chat_request in the model's chat format; stop_sequences
// and stream are carried over. Encoder errors are 400 with the encoder's message.
AnthropicPlan parse_anthropic_request(const Json& body, const ChatCodec& codec = ChatCodec::v32(),
                                      bool count_only = false);

}  // namespace dseek::server
