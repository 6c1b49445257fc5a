// LocalEngine: a loaded checkpoint + its tokenizer, answering OpenAI-style chat requests
// (messages, tools, response_format) in the checkpoint's chat format (LmInfo::chat_format:
// V3.2's chat/ or DeepSeek-V4's chat/v4). Shared by `dseek run`, `dseek chat`, the agent and
// the server.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "chat/chat.h"
#include "engine/causal_lm.h"
#include "engine/generate.h"
#include "model/model.h"
#include "tokenizer/tokenizer.h"

namespace dseek {

struct Completion {
  std::vector<int32_t> prompt_ids, ids;  // prompt and generated token ids
  std::string text;                      // decoded generated text, special tokens included
  GenerateStats stats;
  std::string finish_reason;             // "stop" (EOS), "tool_calls", "length"
  bool parsed = false;                   // text was accepted by the model's chat format
  chat::AssistantMessage message;        // parsed message, or the raw text as content when rejected
  std::string parse_error;
  int64_t cached_tokens = 0;
};

class LocalEngine {
 public:
  // Loads DIR (checkpoint + DIR/tokenizer.json; V3.x or V4, CausalLm::load). Throws dseek::Error.
  LocalEngine(const std::string& dir, Numerics numerics);

  const CausalLm& lm() const { return *lm_; }
  const Tokenizer& tokenizer() const { return tok_; }
  // Checkpoint::fingerprint() of the loaded weights, computed once: what a saved session
  // (`chat --session`) records and must match before its KV cache is restored.
  const std::string& model_fingerprint() const { return fingerprint_; }

  // Renders `request` (an OpenAI-style body: messages, tools, response_format) with
  // chat::render_request (V4: chat::v4::render_request), generates until EOS or
  // opt.max_tokens, parses the completion with the same format's parser.
  // on_text receives decoded text pieces as they complete (UTF-8 safe); may be empty.
  // session: a cache kept across calls (multi-turn chat): the longest common token prefix
  // with the new prompt is reused and only the rest is prefilled (V4 keeps its state only
  // when the new prompt extends every token it holds, LmSequence::truncate; otherwise it
  // starts over). Completion::cached_tokens reports how many prompt tokens came from it.
  Completion complete(const chat::Json& request, bool thinking, const GenerateOptions& opt,
                      const std::function<void(const std::string&)>& on_text = {},
                      LmSequence* session = nullptr) const;

 private:
  std::unique_ptr<CausalLm> lm_;
  Tokenizer tok_;
  std::string fingerprint_;
};

// Thinking mode requested by a body: DeepSeek's `thinking: {"type": "enabled"}` or
// `chat_template_kwargs: {"thinking": true}`; otherwise `fallback`.
bool request_thinking(const chat::Json& body, bool fallback);

}  // namespace dseek
