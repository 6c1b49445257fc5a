// The one interface the agent loop talks to a model through: the in-process LocalEngine or
// an OpenAI-compatible HTTP endpoint.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "chat/chat.h"
#include "engine/sampler.h"

namespace dseek::agent {

using Json = chat::Json;

// One assistant turn.
struct ModelReply {
  chat::AssistantMessage message;  // content, reasoning_content, tool_calls (ids may be empty)
  std::string finish_reason;       // "stop", "tool_calls", "length", ...
  std::string parse_error;         // non-empty: the output is not a well-formed turn (content = raw text)
  int64_t prompt_tokens = 0, completion_tokens = 0;
  double elapsed_s = 0;
  Json timings = Json::object();   // client details: prefill_s/decode_s, attempts, ...
};

class ModelClient {
 public:
  virtual ~ModelClient() = default;
  // The next assistant turn for `messages` (OpenAI chat messages: system, user, assistant
  // with reasoning_content and tool_calls, tool with tool_call_id) and `tools` (OpenAI
  // function schemas; may be empty). Throws dseek::Error when no answer can be had (the
  // endpoint failed after its retries, the prompt is invalid).
  virtual ModelReply complete(const Json& messages, const Json& tools) = 0;
  // For progress lines: "local models/nano-agent" / "http://host/v1 (model)".
  virtual std::string describe() const = 0;
};

struct GenerationSettings {
  bool thinking = false;
  int max_tokens = 1024;     // per reply
  SamplingParams sampling;
};

// The in-process engine: loads the checkpoint in `model_dir` ("exact" | "official" numerics).
// Throws dseek::Error when it cannot be loaded.
std::unique_ptr<ModelClient> make_local_client(const std::string& model_dir, const std::string& numerics,
                                               const GenerationSettings& gen);

struct HttpSettings {
  std::string endpoint;      // base URL, e.g. https://api.deepseek.com/v1 (…/chat/completions accepted too)
  std::string api_key;       // sent as "Authorization: Bearer KEY" when non-empty
  std::string model;         // the request's "model"
  double timeout_s = 600;    // read timeout of one attempt
  int max_attempts = 4;      // attempts for timeouts, connection errors, 429 and 5xx
  double backoff_s = 1.0;    // wait before retry k is backoff_s * 2^k
  std::function<void(const std::string&)> log;  // told about each failed attempt (may be empty)
};

// An OpenAI-compatible endpoint: POST {endpoint}/chat/completions with model, messages,
// tools, max_tokens, temperature, top_p (and thinking: {"type": "enabled"} in thinking mode).
std::unique_ptr<ModelClient> make_http_client(const HttpSettings& http, const GenerationSettings& gen);

}  // namespace dseek::agent
