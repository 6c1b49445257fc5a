// The generated text of one /v1/completions request: sampled tokens -> text (UTF-8 safe)
// -> `stop` sequences, plus the legacy logprobs object. The stop token (EOS) that ends
// generation is not text.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/scheduler.h"
#include "server/stop_matcher.h"
#include "tokenizer/tokenizer.h"

namespace dseek::server {

class TextTurn {
 public:
  // `stop_ids`: tokens that end generation (their text is dropped). `top_logprobs` < 0:
  // no logprobs. `text_offset0`: where the generated text starts in the returned text
  // (the echoed prompt's length), for logprobs.text_offset.
  TextTurn(const Tokenizer& tok, std::vector<std::string> stop, std::vector<int32_t> stop_ids, int top_logprobs,
           size_t text_offset0);

  // One sampled token; returns the text it makes final (possibly "").
  std::string push_token(const TokenEvent& ev);
  // The end of generation: the rest of the text.
  std::string finish();

  bool stop_hit() const { return stop_.stopped(); }
  // "stop" (EOS or a stop sequence) or "length".
  std::string finish_reason(const std::string& sched_reason) const;
  int64_t completion_tokens() const { return tokens_; }

  // {"tokens", "token_logprobs", "top_logprobs", "text_offset"} of the tokens pushed since
  // the last call; null when logprobs were not asked for.
  nlohmann::json take_logprobs();

 private:
  const Tokenizer& tok_;
  StreamDecoder dec_;
  StopMatcher stop_;
  std::vector<int32_t> stop_ids_;
  int top_logprobs_;
  size_t offset_;
  int64_t tokens_ = 0;
  nlohmann::json lp_;
};

}  // namespace dseek::server
