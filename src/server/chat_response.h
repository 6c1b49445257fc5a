// The JSON of chat completion responses: the whole response (non-streaming) and the
// chat.completion.chunk events of a stream (ChatStreamWriter). Both are built from the
// same deltas, so a client that concatenates the stream gets the non-streamed message.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "chat/message.h"
#include "chat/stream.h"

namespace dseek::server {

struct ResponseMeta {
  std::string id;      // "chatcmpl-..." / "cmpl-..."
  std::string model;   // the served model's id
  int64_t created = 0; // unix seconds
  bool thinking = false;
};

struct Usage {
  int64_t prompt_tokens = 0, completion_tokens = 0, reasoning_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens the scheduler's prefix cache already held
  // {"prompt_tokens", "completion_tokens", "total_tokens", "completion_tokens_details":
  // {"reasoning_tokens"}, "prompt_tokens_details": {"cached_tokens"}}.
  nlohmann::json to_json() const;
};

// The assistant message: {"role", "content" (null when empty and there are tool calls),
// "reasoning_content" (thinking mode), "tool_calls" (when any: id, type, function{name,
// arguments})}.
nlohmann::json message_json(const chat::AssistantMessage& m, bool thinking);

// One choice of a chat completion. `logprobs`: null, or the array of token entries.
struct ChatChoice {
  chat::AssistantMessage message;
  std::string finish_reason;
  nlohmann::json logprobs;
};

// A non-streamed chat.completion with choices[i] = choices[i] (index i).
nlohmann::json chat_completion_json(const ResponseMeta& meta, const std::vector<ChatChoice>& choices, const Usage& usage);
// The same with one choice.
nlohmann::json chat_completion_json(const ResponseMeta& meta, const chat::AssistantMessage& m,
                                    const std::string& finish_reason, const Usage& usage,
                                    const nlohmann::json& logprobs);

// The `delta` object of one chat::Delta: {"content"}, {"reasoning_content"}, or
// {"tool_calls": [{"index", "id", "type", "function": {"name", "arguments": ""}}]} /
// {"tool_calls": [{"index", "function": {"arguments"}}]}.
nlohmann::json delta_json(const chat::Delta& d);

// Writes a chat completion stream as SSE text. `index`: the choice an event belongs to (its
// choices[0].index); a request with n choices interleaves their events.
class ChatStreamWriter {
 public:
  ChatStreamWriter(ResponseMeta meta, bool include_usage);

  // A choice's first event: {"role": "assistant", "content": ""}.
  std::string start(int index = 0);
  // One event per delta; `logprobs` (an array of token entries, may be empty) rides on the
  // first event, or on an empty-delta event when there is no delta.
  std::string deltas(const std::vector<chat::Delta>& ds, const nlohmann::json& logprobs, int index = 0);
  // A choice's last event: an empty delta with its finish_reason.
  std::string finish_choice(const std::string& finish_reason, int index = 0);
  // The end of the stream: the usage event (when asked for), and "data: [DONE]".
  std::string end(const Usage& usage);
  // finish_choice(finish_reason) + end(usage): the closing events of a one-choice stream.
  std::string finish(const std::string& finish_reason, const Usage& usage);

 private:
  nlohmann::json chunk(nlohmann::json delta, const nlohmann::json& finish_reason, const nlohmann::json& logprobs,
                       int index) const;
  ResponseMeta meta_;
  bool include_usage_;
};

}  // namespace dseek::server
