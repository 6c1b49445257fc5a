// Completion text of a chat request -> the deltas of the assistant message (reasoning,
// content, tool calls), identical for every split of the text into chunks. Built on the
// streaming parser of the model's chat format (chat_codec.h: V3.2's function_calls block,
// V4's tool_calls block, V3's and V3.1's <｜tool▁calls▁begin｜> block), with one server-level
// rule on top:
//
//  * Tool calls are held back until the completion ends, then judged as one block:
//    when the block (the text up to and including its closing tag, or to the end when it
//    never closes) is accepted by the format's parser, every call is released (and any text
//    the format rejects after a well-formed block follows as content); otherwise no call
//    is reported and the block text from its opener ("\n\n<｜DSML｜function_calls"; V4:
//    "\n\n<｜DSML｜tool_calls"; V3, V3.1: "<｜tool▁calls▁begin｜>") to the end is content,
//    verbatim (the stop token's EOS text aside).
//
//  * With set_offered_tools (the server always sets it), a block is also rejected when one
//    of its calls names a tool the request did not offer (OpenAI: no `tools`, or
//    tool_choice "none", means no tool_calls): the markup the model wrote anyway is content.
//
// So a client never sees a call that is later disowned, a malformed or truncated block
// comes back whole as content (no text is lost), and a well-formed block never appears
// in content. Held calls cost no latency in practice: the model ends a block with EOS.
//
// Incremental mode (streamed responses, V3.2 and V4: the parser's set_incremental_arguments)
// trades the first guarantee for latency, so a long argument shows as it is written: a call
// of an offered tool is released as soon as its invoke header is complete, its arguments
// JSON in pieces as they arrive (adding up to the whole-call arguments byte for byte). Text
// the parser gives as content after a call started (text after the block, or a malformed
// block's tail), and everything from a call of a tool not offered on, is held for the judgment
// at finish(). An accepted block gives exactly the deltas of the default mode, regrouped. A
// rejected one cannot take back what was released: its calls stay in the stream (the last
// one's arguments possibly unfinished), the block text from its opener comes as content (as
// in the default mode) and tool_calls() is 0. V3 / V3.1 parsers have no incremental mode:
// their calls are released whole, as in the default mode.
#pragma once
#include <memory>
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
  // `incremental`: release calls as they are written (above).
  MessageStream(bool thinking, std::string call_id_prefix, const ChatCodec& codec = ChatCodec::v32(),
                bool incremental = false);

  // The next piece of completion text (any split); returns the deltas now certain.
  std::vector<chat::Delta> feed(std::string_view text);
  // The end of the completion; returns the remaining deltas. Call once.
  std::vector<chat::Delta> finish();

  // Tool calls released so far and not disowned (all of them after finish(); incremental
  // mode: 0 until finish() accepts the block).
  int tool_calls() const { return released_calls_; }
  // The tools the request offered: a block calling any other name (or any block, when
  // `names` is empty) is content. Unset: every name is accepted (the format's rule alone).
  void set_offered_tools(std::vector<std::string> names);

 private:
  void route(std::vector<chat::Delta> in, std::vector<chat::Delta>& out);
  bool offered(const std::string& name) const;
  bool block_accepted() const;
  bool names_offered() const;

  bool thinking_;
  bool incremental_;
  const ChatCodec& codec_;
  std::unique_ptr<chat::DeltaParser> parser_;
  std::string text_;               // all completion text fed so far
  size_t reasoning_bytes_ = 0, content_bytes_ = 0;  // streamed before the first tool call
  bool holding_ = false;           // everything from here waits for finish(): default mode, from the
                                   // first call; incremental, from content after a call or an unoffered call
  bool in_block_ = false;          // a tool call started
  int streamed_calls_ = 0;         // incremental: calls released before finish()
  std::vector<chat::Delta> held_;
  int released_calls_ = 0;
  bool restricted_ = false;        // set_offered_tools was called
  std::vector<std::string> offered_;
};

// Applies deltas to a message: what a client does with a stream.
void apply_deltas(chat::AssistantMessage& msg, const std::vector<chat::Delta>& deltas);

}  // namespace dseek::server
