// The JSON of Anthropic Messages responses: the whole message (non-streaming) and the SSE
// events of a stream (AnthropicStreamWriter: "event: <type>" + "data: <json>" lines).
// Content blocks come from ContentBlocks, so a stream applied by a client gives exactly the
// non-streamed message.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "chat/stream.h"
#include "server/anthropic_blocks.h"
#include "server/errors.h"

namespace dseek::server {

struct AnthropicUsage {
  int64_t prompt_tokens = 0;  // the whole prompt
  int64_t cached_tokens = 0;  // of which the prefix cache already held
  int64_t output_tokens = 0;
  // {"input_tokens" (prompt tokens not read from the cache, as Anthropic counts them),
  // "cache_creation_input_tokens": 0, "cache_read_input_tokens", "output_tokens"}.
  nlohmann::json to_json() const;
};

// Anthropic's stop_reason for the chat turn's finish_reason (ChatTurn::finish_reason):
// tool_calls -> tool_use, length -> max_tokens, stop -> stop_sequence when a stop sequence
// ended the text (`stop_sequence` non-empty), else end_turn.
std::string anthropic_stop_reason(const std::string& finish_reason, const std::string& stop_sequence);

// {"id", "type": "message", "role": "assistant", "model", "content", "stop_reason",
// "stop_sequence" (null unless stop_sequence), "usage"}.
nlohmann::json anthropic_message_json(const std::string& id, const std::string& model, const nlohmann::json& content,
                                      const std::string& stop_reason, const std::string& stop_sequence,
                                      const AnthropicUsage& usage);

// "event: <j.type>\ndata: <j>\n\n".
std::string sse_event(const nlohmann::json& j);

// Writes one message stream: message_start (and a ping), the content block events, then
// message_delta (stop_reason, stop_sequence, usage) and message_stop.
class AnthropicStreamWriter {
 public:
  // `max_tool_uses`: as ContentBlocks'.
  AnthropicStreamWriter(std::string id, std::string model, int64_t prompt_tokens, int max_tool_uses = -1);

  // message_start (content [], stop_reason null, usage with the prompt's tokens) and ping.
  std::string start() const;
  std::string deltas(const std::vector<chat::Delta>& ds);
  // The last block events, message_delta and message_stop.
  std::string finish(const std::string& stop_reason, const std::string& stop_sequence, const AnthropicUsage& usage);
  // An error event ({"type": "error", "error": {...}}), which ends a stream that failed.
  std::string error(const ApiError& e) const;

 private:
  std::string id_, model_;
  int64_t prompt_tokens_;
  ContentBlocks blocks_;
};

}  // namespace dseek::server
