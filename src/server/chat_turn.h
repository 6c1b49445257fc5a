// The assistant turn of one chat request as it is generated: sampled tokens -> text
// (UTF-8 safe) -> `stop` sequences -> message deltas (MessageStream), plus the counts and
// logprobs the response reports. Used alike by the streaming and the non-streaming path,
// so both give the same message.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "chat/stream.h"
#include "engine/scheduler.h"
#include "server/message_stream.h"
#include "server/stop_matcher.h"
#include "tokenizer/tokenizer.h"

namespace dseek::server {

class ChatTurn {
 public:
  // `forced_prefix`: text the completion starts with (tool_choice steering), parsed as if
  // generated. `top_logprobs` < 0: no logprobs. `codec`: the model's chat format (V3.2 by
  // default). Reasoning tokens end at the tokenizer's "</think>" token, whatever its id.
  // `incremental`: tool calls released as they are written (MessageStream's incremental
  // mode; streamed responses).
  ChatTurn(const Tokenizer& tok, bool thinking, std::string call_id_prefix, std::vector<std::string> stop,
           const std::string& forced_prefix, int top_logprobs, const ChatCodec& codec = ChatCodec::v32(),
           bool incremental = false);

  // Tokens that end generation besides EOS (the request's stop_token_ids): their text is not
  // part of the message. `eos` itself is left out of them: the format's parser reads it.
  void set_stop_token_ids(std::vector<int32_t> ids, int32_t eos);
  // parallel_tool_calls false: at most `n` calls are reported (the first ones of the block).
  void set_max_tool_calls(int n) { max_calls_ = n; }
  // The tools the request offered (MessageStream::set_offered_tools): calls of other names,
  // or any call when there are none, come back as the markup the model wrote, as content.
  void set_offered_tools(std::vector<std::string> names) { msg_.set_offered_tools(std::move(names)); }

  // One sampled token; returns the deltas it makes certain.
  std::vector<chat::Delta> push_token(const TokenEvent& ev);
  // Completion text directly (tests, and any caller without tokens).
  std::vector<chat::Delta> push_text(std::string_view text);
  // The end of generation; returns the remaining deltas. Call once.
  std::vector<chat::Delta> finish();

  // True once a `stop` sequence ended the text (the caller then stops generating).
  bool stop_hit() const { return stop_.stopped(); }
  // The `stop` sequence that ended the text ("" unless stop_hit()).
  const std::string& stop_sequence() const { return stop_.matched(); }
  // "tool_calls" when at least one call was released (and not disowned), else "length" when generation ran
  // into max_tokens / the context (`sched_reason` "length"), else "stop".
  std::string finish_reason(const std::string& sched_reason) const;

  int64_t completion_tokens() const { return tokens_; }
  // Tokens generated before the "</think>" token (all of them if it never came); 0 in
  // chat mode.
  int64_t reasoning_tokens() const { return reasoning_tokens_; }
  // Logprob entries of the tokens pushed since the last call (an empty array when none or
  // when logprobs were not asked for).
  nlohmann::json take_logprobs();

 private:
  std::vector<chat::Delta> push_decoded(std::string_view text);
  std::vector<chat::Delta> limited(std::vector<chat::Delta> ds) const;

  const Tokenizer& tok_;
  StreamDecoder dec_;
  StopMatcher stop_;
  MessageStream msg_;
  std::vector<chat::Delta> pending_;  // deltas of the forced prefix, returned with the first push
  int top_logprobs_;
  int32_t think_close_id_;
  std::vector<int32_t> stop_token_ids_;
  int max_calls_ = -1;  // -1: all
  bool in_reasoning_;
  int64_t tokens_ = 0, reasoning_tokens_ = 0;
  nlohmann::json logprobs_ = nlohmann::json::array();
};

}  // namespace dseek::server
