// DeepSeek-V3.1 / V3.1-Terminus completion text -> assistant message (chat-v3.1/FORMAT.md
// section 7).
#pragma once
#include <string_view>

#include "chat/message.h"

namespace dseek::chat::v3_1 {

// Parses what the model generated after the prompt (EOS included or not). DeepSeek ships no
// V3.1 parser; the rules are FORMAT.md section 7's, strict:
//  1. `thinking` (the prompt ended in <think>): reasoning_content is the text up to the first
//     "</think>" (none: an error); the rest follows it. Otherwise reasoning_content is "" --
//     also for a thinking request whose prompt ended after tool results (no think tag there).
//  2. content to the first <｜tool▁calls▁begin｜> when that comes before the first EOS; else to
//     EOS (nothing may follow it); else to the end of the text;
//  3. the block: calls <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>ARGS<｜tool▁call▁end｜>,
//     whitespace allowed around them, closed by <｜tool▁calls▁end｜>, at least one call; ARGS
//     verbatim, RFC 8259 JSON of an object; then an optional EOS and nothing else;
//  4. no BOS, EOS, <｜User｜>, <｜Assistant｜>, tool marker, <think> or </think> in content or
//     reasoning (so a second "</think>", or any "</think>" in chat mode, is an error).
// Nothing is trimmed; tool calls get no id. Throws dseek::Error "cannot parse the V3.1
// completion: REASON (at byte N)" (the reasons of chat/v3/parse.h, and "missing </think> in
// thinking mode").
AssistantMessage parse_completion(std::string_view text, bool thinking);

}  // namespace dseek::chat::v3_1
