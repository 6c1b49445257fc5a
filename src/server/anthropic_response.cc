#include "server/anthropic_response.h"

#include "server/anthropic_errors.h"
#include "server/sse.h"

namespace dseek::server {

using nlohmann::json;

json AnthropicUsage::to_json() const {
  return {{"input_tokens", prompt_tokens - cached_tokens},
          {"cache_creation_input_tokens", 0},
          {"cache_read_input_tokens", cached_tokens},
          {"output_tokens", output_tokens}};
}

std::string anthropic_stop_reason(const std::string& finish_reason, const std::string& stop_sequence) {
  if (finish_reason == "tool_calls") return "tool_use";
  if (finish_reason == "length") return "max_tokens";
  return stop_sequence.empty() ? "end_turn" : "stop_sequence";
}

json anthropic_message_json(const std::string& id, const std::string& model, const json& content, const std::string& stop_reason,
                            const std::string& stop_sequence, const AnthropicUsage& usage) {
  return {{"id", id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", model},
          {"content", content},
          {"stop_reason", stop_reason.empty() ? json(nullptr) : json(stop_reason)},
          {"stop_sequence", stop_sequence.empty() ? json(nullptr) : json(stop_sequence)},
          {"usage", usage.to_json()}};
}

std::string sse_event(const json& j) { return "event: " + j.value("type", std::string("message")) + "\n" + sse_data(j); }

AnthropicStreamWriter::AnthropicStreamWriter(std::string id, std::string model, int64_t prompt_tokens, int max_tool_uses)
    : id_(std::move(id)), model_(std::move(model)), prompt_tokens_(prompt_tokens), blocks_(max_tool_uses) {}

std::string AnthropicStreamWriter::start() const {
  AnthropicUsage u;
  u.prompt_tokens = prompt_tokens_;
  json msg = anthropic_message_json(id_, model_, json::array(), "", "", u);
  return sse_event({{"type", "message_start"}, {"message", std::move(msg)}}) + sse_event({{"type", "ping"}});
}

std::string AnthropicStreamWriter::deltas(const std::vector<chat::Delta>& ds) {
  std::string out;
  for (const auto& e : blocks_.feed(ds)) out += sse_event(e);
  return out;
}

std::string AnthropicStreamWriter::finish(const std::string& stop_reason, const std::string& stop_sequence,
                                          const AnthropicUsage& usage) {
  std::string out;
  for (const auto& e : blocks_.finish()) out += sse_event(e);
  json delta = {{"stop_reason", stop_reason}, {"stop_sequence", stop_sequence.empty() ? json(nullptr) : json(stop_sequence)}};
  out += sse_event({{"type", "message_delta"}, {"delta", std::move(delta)}, {"usage", usage.to_json()}});
  out += sse_event({{"type", "message_stop"}});
  return out;
}

std::string AnthropicStreamWriter::error(const ApiError& e) const { return sse_event(anthropic_error_json(e)); }

}  // namespace dseek::server
