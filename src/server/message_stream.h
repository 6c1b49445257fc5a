// Completion text of a chat request -> the deltas of the assistant message (reasoning,
// content, tool calls), identical for every split of the text into chunks. Built on
// chat::StreamParser in the model's chat format (chat_codec.h: V3.2's function_calls block or
// V4's tool_calls block), with one server-level rule on top:
//
//  * Tool calls are held back until the completion ends, then judged as one DSML block:
//    when the block (the text up to and including its closing tag, or to the end when it
//    never closes) is accepted by the format's parser, every call is released (and any text
//    the format rejects after a well-formed block follows as content); otherwise no call
//    is reported and the block text from its "\n\n<｜DSML｜function_calls" (V4:
//    "\n\n<｜DSML｜tool_calls") opener to the end is content, verbatim (the stop token's EOS
//    text aside).
//
// So a client never sees a call that is later disowned, a malformed or truncated block
// comes back whole as content (no text is lost), and a well-formed block never appears
// in content. Held calls cost no latency in practice: the model ends a block with EOS.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "chat/stream.h"
#include "server/chat_codec.h"

namespace dseek::server {

class MessageStream {
 public:
  // `call_id_prefix`: tool call i gets id call_id_prefix + i. `codec`: the model's chat format
  // (a static of ChatCodec; V3.2 by default).
  MessageStream(bool thinking, std::string call_id_prefix, const ChatCodec& codec = ChatCodec::v32());

  // The next piece of completion text (any split); returns the deltas now certain.
  std::vector<chat::Delta> feed(std::string_view text);
  // The end of the completion; returns the remaining deltas. Call once.
  std::vector<chat::Delta> finish();

  // Tool calls released so far (all of them after finish()).
  int tool_calls() const { return released_calls_; }

 private:
  void route(std::vector<chat::Delta> in, std::vector<chat::Delta>& out);
  bool block_accepted() const;

  bool thinking_;
  const ChatCodec& codec_;
  chat::StreamParser parser_;
  std::string text_;               // all completion text fed so far
  size_t reasoning_bytes_ = 0, content_bytes_ = 0;  // streamed before the first tool call
  bool holding_ = false;           // a tool call was seen: everything after it waits for finish()
  std::vector<chat::Delta> held_;
  int released_calls_ = 0;
};

// Applies deltas to a message: what a client does with a stream.
void apply_deltas(chat::AssistantMessage& msg, const std::vector<chat::Delta>& deltas);

}  // namespace dseek::server
