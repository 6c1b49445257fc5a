#include "server/text_turn.h"

#include <algorithm>
#include <utility>

namespace dseek::server {

namespace {
nlohmann::json empty_logprobs() {
  return {{"tokens", nlohmann::json::array()},
          {"token_logprobs", nlohmann::json::array()},
          {"top_logprobs", nlohmann::json::array()},
          {"text_offset", nlohmann::json::array()}};
}
}  // namespace

TextTurn::TextTurn(const Tokenizer& tok, std::vector<std::string> stop, std::vector<int32_t> stop_ids, int top_logprobs,
                   size_t text_offset0)
    : tok_(tok), dec_(tok), stop_(std::move(stop)), stop_ids_(std::move(stop_ids)), top_logprobs_(top_logprobs),
      offset_(text_offset0), lp_(empty_logprobs()) {}

std::string TextTurn::push_token(const TokenEvent& ev) {
  if (stop_.stopped()) return {};
  ++tokens_;
  if (std::find(stop_ids_.begin(), stop_ids_.end(), ev.id) != stop_ids_.end()) return {};
  if (top_logprobs_ >= 0) {
    std::string t = tok_.decode({ev.id});
    lp_["tokens"].push_back(t);
    lp_["token_logprobs"].push_back(ev.logprob);
    nlohmann::json top = nlohmann::json::object();
    for (const auto& [id, lp] : ev.top) top[tok_.decode({id})] = lp;
    lp_["top_logprobs"].push_back(top_logprobs_ > 0 ? top : nlohmann::json(nullptr));
    lp_["text_offset"].push_back(offset_);
    offset_ += t.size();
  }
  return stop_.push(dec_.push(ev.id));
}

std::string TextTurn::finish() {
  std::string out = stop_.push(dec_.flush());
  return out + stop_.flush();
}

std::string TextTurn::finish_reason(const std::string& sched_reason) const {
  return sched_reason == "length" && !stop_.stopped() ? "length" : "stop";
}

nlohmann::json TextTurn::take_logprobs() {
  if (top_logprobs_ < 0) return nullptr;
  return std::exchange(lp_, empty_logprobs());
}

}  // namespace dseek::server
