#include "server/chat_response.h"

#include "server/sse.h"

namespace dseek::server {

using nlohmann::json;

json Usage::to_json() const {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", cached_tokens}}},
          {"completion_tokens_details", {{"reasoning_tokens", reasoning_tokens}}}};
}

json message_json(const chat::AssistantMessage& m, bool thinking) {
  json j = {{"role", "assistant"}};
  j["content"] = m.content.empty() && !m.tool_calls.empty() ? json(nullptr) : json(m.content);
  if (thinking) j["reasoning_content"] = m.reasoning_content;
  if (!m.tool_calls.empty()) {
    json calls = json::array();
    for (const auto& c : m.tool_calls)
      calls.push_back({{"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    j["tool_calls"] = std::move(calls);
  }
  return j;
}

json chat_completion_json(const ResponseMeta& meta, const std::vector<ChatChoice>& choices, const Usage& usage) {
  json out = json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const ChatChoice& c = choices[i];
    json lp = c.logprobs.is_null() ? json(nullptr) : json{{"content", c.logprobs}, {"refusal", nullptr}};
    out.push_back({{"index", i}, {"message", message_json(c.message, meta.thinking)}, {"logprobs", lp}, {"finish_reason", c.finish_reason}});
  }
  return {{"id", meta.id},
          {"object", "chat.completion"},
          {"created", meta.created},
          {"model", meta.model},
          {"system_fingerprint", "dseek"},
          {"choices", std::move(out)},
          {"usage", usage.to_json()}};
}

json chat_completion_json(const ResponseMeta& meta, const chat::AssistantMessage& m, const std::string& finish_reason,
                          const Usage& usage, const json& logprobs) {
  return chat_completion_json(meta, std::vector<ChatChoice>{{m, finish_reason, logprobs}}, usage);
}

json delta_json(const chat::Delta& d) {
  using K = chat::Delta::Kind;
  switch (d.kind) {
    case K::Reasoning: return {{"reasoning_content", d.text}};
    case K::Content: return {{"content", d.text}};
    case K::ToolCallStart:
      return {{"tool_calls", json::array({{{"index", d.index},
                                           {"id", d.id},
                                           {"type", "function"},
                                           {"function", {{"name", d.name}, {"arguments", ""}}}}})}};
    case K::ToolCallArgs:
      return {{"tool_calls", json::array({{{"index", d.index}, {"function", {{"arguments", d.text}}}}})}};
  }
  return json::object();
}

ChatStreamWriter::ChatStreamWriter(ResponseMeta meta, bool include_usage)
    : meta_(std::move(meta)), include_usage_(include_usage) {}

json ChatStreamWriter::chunk(json delta, const json& finish_reason, const json& logprobs, int index) const {
  json lp = logprobs.is_array() && !logprobs.empty() ? json{{"content", logprobs}, {"refusal", nullptr}} : json(nullptr);
  return {{"id", meta_.id},
          {"object", "chat.completion.chunk"},
          {"created", meta_.created},
          {"model", meta_.model},
          {"system_fingerprint", "dseek"},
          {"choices", json::array({{{"index", index}, {"delta", std::move(delta)}, {"logprobs", lp}, {"finish_reason", finish_reason}}})}};
}

std::string ChatStreamWriter::start(int index) {
  return sse_data(chunk({{"role", "assistant"}, {"content", ""}}, nullptr, nullptr, index));
}

std::string ChatStreamWriter::deltas(const std::vector<chat::Delta>& ds, const json& logprobs, int index) {
  std::string out;
  bool lp_sent = !(logprobs.is_array() && !logprobs.empty());
  for (const auto& d : ds) {
    if ((d.kind == chat::Delta::Kind::Content || d.kind == chat::Delta::Kind::Reasoning) && d.text.empty()) continue;
    out += sse_data(chunk(delta_json(d), nullptr, lp_sent ? json(nullptr) : logprobs, index));
    lp_sent = true;
  }
  if (!lp_sent) out += sse_data(chunk(json::object(), nullptr, logprobs, index));
  return out;
}

std::string ChatStreamWriter::finish_choice(const std::string& finish_reason, int index) {
  return sse_data(chunk(json::object(), finish_reason, nullptr, index));
}

std::string ChatStreamWriter::end(const Usage& usage) {
  std::string out;
  if (include_usage_) {
    out += sse_data({{"id", meta_.id},
                     {"object", "chat.completion.chunk"},
                     {"created", meta_.created},
                     {"model", meta_.model},
                     {"system_fingerprint", "dseek"},
                     {"choices", json::array()},
                     {"usage", usage.to_json()}});
  }
  return out + sse_done();
}

std::string ChatStreamWriter::finish(const std::string& finish_reason, const Usage& usage) {
  return finish_choice(finish_reason) + end(usage);
}

}  // namespace dseek::server
