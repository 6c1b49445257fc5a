// LocalEngine: a loaded checkpoint + its tokenizer, answering OpenAI-style chat requests
// (messages, tools, response_format) in the checkpoint's chat format (LmInfo::chat_format,
// chat/format.h: V3's chat/v3, V3.1's chat/v3_1, V3.2's chat/, DeepSeek-V4's chat/v4). Shared by
// `dseek run`, `dseek chat`, the agent and the server.
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
  // Loads DIR (checkpoint + DIR/tokenizer.json; V3.x or V4, CausalLm::load). `chat_format`
  // ("v3", "v3.1", "v3.2", "v4"; empty: the checkpoint's, engine/chat_format.h) replaces the
  // detected format. Throws dseek::Error (an unknown chat_format too).
  LocalEngine(const std::string& dir, Numerics numerics, const std::string& chat_format = {});
  // Over a model already loaded from DIR (e.g. the lockstep leader under MPI, engine/lockstep.h);
  // the tokenizer still comes from DIR.
  LocalEngine(std::unique_ptr<CausalLm> lm, const std::string& dir, const std::string& chat_format = {});

  const CausalLm& lm() const { return *lm_; }
  const Tokenizer& tokenizer() const { return tok_; }
  // Checkpoint::fingerprint() of the loaded weights, computed once: what a saved session
  // (`chat --session`) records and must match before its KV cache is restored.
  const std::string& model_fingerprint() const { return fingerprint_; }
  // The checkpoint's directory (or GGUF file) name, as messages name the model.
  const std::string& model_name() const { return name_; }

  // Renders `request` (an OpenAI-style body: messages, tools, response_format) in the model's
  // chat format (chat::render_in), generates until EOS or opt.max_tokens, parses the
  // completion with the same format's parser (chat::parse_in; in thinking mode only when the
  // prompt opened the reasoning, chat::completion_thinking). Throws dseek::Error for a request
  // with tools on a model without tool calling (V3.2-Speciale), naming it.
  // opt.constraint (structured output) applies to the answer: in thinking mode from the token
  // after `</think>` (engine after_token), else from the first token.
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
  std::string name_;
};

// Throws dseek::Error naming `model` when `request` (an OpenAI-style body) has a non-empty
// `tools` list and the model does not call tools (LmInfo::tool_calls false: V3.2-Speciale).
void refuse_tools_without_tool_calling(const LmInfo& info, const std::string& model, const chat::Json& request);

// Thinking mode requested by a body: DeepSeek's `thinking: {"type": "enabled"}` or
// `chat_template_kwargs: {"thinking": true}`; otherwise `fallback`.
bool request_thinking(const chat::Json& body, bool fallback);

}  // namespace dseek
