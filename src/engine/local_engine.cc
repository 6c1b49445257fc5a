#include "engine/local_engine.h"

#include <algorithm>
#include <filesystem>

#include "chat/format.h"
#include "engine/model_tokenizer.h"
#include "runtime/error.h"

namespace dseek {


namespace {

// The model, speaking `chat_format` when one is given (checked before anything loads).
std::unique_ptr<CausalLm> load_lm(const std::string& dir, Numerics numerics, const std::string& chat_format) {
  const std::string format = chat_format.empty() ? "" : std::string(chat::format_name(chat::format_from_name(chat_format)));
  std::unique_ptr<CausalLm> lm = CausalLm::load(dir, numerics);
  if (!format.empty()) lm->set_chat_format(format);
  return lm;
}

}  // namespace

LocalEngine::LocalEngine(const std::string& dir, Numerics numerics, const std::string& chat_format)
    : LocalEngine(load_lm(dir, numerics, chat_format), dir) {}

LocalEngine::LocalEngine(std::unique_ptr<CausalLm> lm, const std::string& dir, const std::string& chat_format)
    : lm_(std::move(lm)), tok_(load_model_tokenizer(dir)), fingerprint_(lm_->fingerprint()) {
  if (!chat_format.empty()) lm_->set_chat_format(std::string(chat::format_name(chat::format_from_name(chat_format))));
  check_tokenizer_fits(tok_, lm_->info().vocab_size, dir);
  std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
  name_ = (p.filename().empty() ? p.parent_path() : p).filename().string();
}

void refuse_tools_without_tool_calling(const LmInfo& info, const std::string& model, const chat::Json& request) {
  if (info.tool_calls || !request.is_object()) return;
  auto t = request.find("tools");
  if (t == request.end() || t->is_null() || (t->is_array() && t->empty())) return;
  throw Error("the model '" + model +
              "' is DeepSeek-V3.2-Speciale, which does not support tool calling: send the request without 'tools'");
}

Completion LocalEngine::complete(const chat::Json& request, bool thinking, const GenerateOptions& opt,
                                 const std::function<void(const std::string&)>& on_text, LmSequence* session) const {
  Completion c;
  // The checkpoint's generation picks the chat format (chat/format.h).
  const chat::Format format = chat::format_from_name(lm_->info().chat_format);
  refuse_tools_without_tool_calling(lm_->info(), model_name(), request);
  std::string prompt = chat::render_in(format, request, thinking);
  thinking = chat::completion_thinking(format, prompt, thinking);
  c.prompt_ids = tok_.encode(prompt);
  GenerateOptions o = opt;
  if (o.stop_ids.empty()) o.stop_ids = {lm_->info().eos_token_id};
  // A constraint shapes the answer: in thinking mode it starts after the reasoning's `</think>`.
  if (o.constraint && thinking) o.constraint = after_token(std::move(o.constraint), tok_.token_to_id("</think>"));
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
    c.message = chat::parse_in(format, c.text, thinking);
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
