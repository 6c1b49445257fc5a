#include "engine/local_engine.h"

#include <algorithm>
#include <filesystem>

#include "chat/v4/v4.h"
#include "engine/model_tokenizer.h"
#include "runtime/error.h"

namespace dseek {


LocalEngine::LocalEngine(const std::string& dir, Numerics numerics)
    : lm_(CausalLm::load(dir, numerics)), tok_(load_model_tokenizer(dir)), fingerprint_(lm_->fingerprint()) {
  check_tokenizer_fits(tok_, lm_->info().vocab_size, dir);
}

Completion LocalEngine::complete(const chat::Json& request, bool thinking, const GenerateOptions& opt,
                                 const std::function<void(const std::string&)>& on_text, LmSequence* session) const {
  Completion c;
  // The checkpoint's generation picks the chat codec (chat/ for V3.2, chat/v4 for V4).
  const bool v4 = lm_->info().chat_format == "v4";
  std::string prompt = v4 ? chat::v4::render_request(request, thinking) : chat::render_request(request, thinking);
  c.prompt_ids = tok_.encode(prompt);
  GenerateOptions o = opt;
  if (o.stop_ids.empty()) o.stop_ids = {lm_->info().eos_token_id};
  StreamDecoder dec(tok_);
  std::unique_ptr<LmSequence> fresh;
  if (!session) fresh = lm_->new_sequence();
  LmSequence& seq = session ? *session : *fresh;
  // Reuse the longest common prefix with what the cache holds; at least one token is fed.
  const std::vector<int32_t>& held = seq.tokens();
  size_t keep = 0;
  while (keep < held.size() && keep < c.prompt_ids.size() && held[keep] == c.prompt_ids[keep]) ++keep;
  keep = std::min(keep, c.prompt_ids.size() - 1);
  keep = static_cast<size_t>(seq.truncate(static_cast<int64_t>(keep)));
  c.cached_tokens = static_cast<int64_t>(keep);
  std::vector<int32_t> feed(c.prompt_ids.begin() + static_cast<int64_t>(keep), c.prompt_ids.end());
  c.ids = generate(*lm_, seq, feed, o,
                   [&](int32_t id) {
                     std::string piece = dec.push(id);
                     if (on_text && !piece.empty()) on_text(piece);
                     return true;
                   },
                   &c.stats);
  std::string rest = dec.flush();
  if (on_text && !rest.empty()) on_text(rest);
  c.text = tok_.decode(c.ids);
  try {
    c.message = v4 ? chat::v4::parse_completion(c.text, thinking) : chat::parse_completion(c.text, thinking);
    c.parsed = true;
  } catch (const Error& e) {
    // The chat format rejects the text (e.g. cut off by max_tokens): keep every byte as content.
    c.parse_error = e.what();
    c.message = chat::AssistantMessage{};
    c.message.content = c.text;
  }
  if (!c.stats.stopped_on_stop_id)
    c.finish_reason = "length";
  else
    c.finish_reason = c.message.tool_calls.empty() ? "stop" : "tool_calls";
  return c;
}

bool request_thinking(const chat::Json& body, bool fallback) {
  if (body.contains("thinking") && body["thinking"].is_object()) {
    std::string t = body["thinking"].value("type", std::string());
    if (t == "enabled") return true;
    if (t == "disabled") return false;
  }
  if (body.contains("chat_template_kwargs") && body["chat_template_kwargs"].is_object()) {
    const auto& k = body["chat_template_kwargs"];
    for (const char* key : {"thinking", "enable_thinking"})
      if (k.contains(key) && k[key].is_boolean()) return k[key].get<bool>();
  }
  return fallback;
}

}  // namespace dseek
