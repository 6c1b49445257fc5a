// Prompts that leave the assistant's turn open, in any chat format (format.h): continuing the
// last (assistant) message of a request (vLLM's continue_final_message, DeepSeek's prefix
// completion) and a prompt without the assistant's opening (add_generation_prompt=false).
// The reference encoders have neither; both are built from their renderings (the messages
// before the continued one, then its text), never by editing their text.
#pragma once
#include <string>

#include "chat/format.h"
#include "chat/python_json.h"

namespace dseek::chat {

// A prompt whose completion goes on from the text of an assistant message.
struct Continuation {
  std::string prompt;
  // True when the prompt ends inside the reasoning (thinking mode, the message has no
  // content): the completion is parsed as reasoning first.
  bool in_reasoning = false;
};

// `request` (as render_in takes it) ends with an assistant message. Its prompt is the prompt
// of the messages before it (render_in with the generation prompt), which ends with the
// assistant's opening, followed by the message's text with no end-of-sentence token: when
// that opening ends in "<think>" (thinking mode: V3.2, V4, V3.1 after a user turn) its
// reasoning_content, then, when it has content, "</think>" and the content; otherwise its
// content (V3: no thinking mode; V3.1 after tool results: no think tag). So the prompt is the
// whole request's rendering without its final end-of-sentence token, where the format renders
// the message's reasoning. Throws dseek::Error naming the message when the last message is
// not an assistant message, has tool_calls, or does not follow a message that ends with the
// assistant's opening (user or tool; developer too for V3.2 and V4, whose developer turns are
// user turns, while V3's and V3.1's templates render no developer message), and for
// everything render_in refuses.
Continuation render_continuation(const Json& request, bool thinking, Format format = Format::V3_2);

// render_in without the assistant's opening after the last message (add_generation_prompt =
// false; see render_in for each format's rule).
std::string render_without_generation_prompt(const Json& request, bool thinking, Format format = Format::V3_2);

}  // namespace dseek::chat
