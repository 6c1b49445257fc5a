#include "server/chat_turn.h"

#include <algorithm>
#include <utility>

#include "chat/literals.h"
#include "server/logprobs.h"

namespace dseek::server {

ChatTurn::ChatTurn(const Tokenizer& tok, bool thinking, std::string call_id_prefix, std::vector<std::string> stop,
                   const std::string& forced_prefix, int top_logprobs, const ChatCodec& codec, bool incremental)
    : tok_(tok), dec_(tok), stop_(std::move(stop)), msg_(thinking, std::move(call_id_prefix), codec, incremental),
      top_logprobs_(top_logprobs), think_close_id_(tok.token_to_id(chat::lit::kThinkClose)), in_reasoning_(thinking) {
  if (!forced_prefix.empty()) pending_ = msg_.feed(forced_prefix);
}

void ChatTurn::set_stop_token_ids(std::vector<int32_t> ids, int32_t eos) {
  ids.erase(std::remove(ids.begin(), ids.end(), eos), ids.end());
  stop_token_ids_ = std::move(ids);
}

std::vector<chat::Delta> ChatTurn::limited(std::vector<chat::Delta> ds) const {
  if (max_calls_ < 0) return ds;
  using K = chat::Delta::Kind;
  ds.erase(std::remove_if(ds.begin(), ds.end(),
                          [&](const chat::Delta& d) {
                            return (d.kind == K::ToolCallStart || d.kind == K::ToolCallArgs) && d.index >= max_calls_;
                          }),
           ds.end());
  return ds;
}

std::vector<chat::Delta> ChatTurn::push_decoded(std::string_view text) {
  std::vector<chat::Delta> out = std::move(pending_);
  pending_.clear();
  std::string kept = stop_.push(text);
  if (!kept.empty()) {
    auto d = msg_.feed(kept);
    out.insert(out.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
  }
  return limited(std::move(out));
}

std::vector<chat::Delta> ChatTurn::push_token(const TokenEvent& ev) {
  if (stop_.stopped()) return {};
  ++tokens_;
  if (in_reasoning_) {
    if (ev.id == think_close_id_)
      in_reasoning_ = false;
    else
      ++reasoning_tokens_;
  }
  if (top_logprobs_ >= 0) logprobs_.push_back(logprob_entry(tok_, ev, top_logprobs_ > 0));
  // A stop token ends generation; as vLLM, its text is not output.
  if (std::find(stop_token_ids_.begin(), stop_token_ids_.end(), ev.id) != stop_token_ids_.end()) return push_decoded("");
  return push_decoded(dec_.push(ev.id));
}

std::vector<chat::Delta> ChatTurn::push_text(std::string_view text) { return push_decoded(text); }

std::vector<chat::Delta> ChatTurn::finish() {
  std::vector<chat::Delta> out = push_decoded(dec_.flush());
  std::string rest = stop_.flush();
  if (!rest.empty()) {
    auto d = msg_.feed(rest);
    out.insert(out.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
  }
  auto d = msg_.finish();
  out.insert(out.end(), std::make_move_iterator(d.begin()), std::make_move_iterator(d.end()));
  return limited(std::move(out));
}

std::string ChatTurn::finish_reason(const std::string& sched_reason) const {
  if (msg_.tool_calls() > 0) return "tool_calls";
  if (sched_reason == "length" && !stop_.stopped()) return "length";
  return "stop";
}

nlohmann::json ChatTurn::take_logprobs() { return std::exchange(logprobs_, nlohmann::json::array()); }

}  // namespace dseek::server
