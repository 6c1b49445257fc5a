// DeepSeek-V3 / V3-0324 completion text -> assistant message (chat-v3/FORMAT.md section 5).
#pragma once
#include <string_view>

#include "chat/message.h"
#include "chat/v3/calls.h"

namespace dseek::chat::v3 {

// Parses what the model generated after the prompt (EOS included or not: the stop token may be
// stripped). DeepSeek ships no V3 parser; the rules are FORMAT.md section 5's, strict:
//  1. content runs to the first <｜tool▁calls▁begin｜> when that comes before the first EOS;
//     else to EOS (nothing may follow it); else to the end of the text;
//  2. the block: calls <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\nARGS\n```
//     <｜tool▁call▁end｜>, whitespace (space, tab, CR, LF) allowed around them, closed by
//     <｜tool▁calls▁end｜>, at least one call; ARGS verbatim, RFC 8259 JSON of an object;
//  3. after the block an optional EOS, then nothing;
//  4. no BOS, EOS, <｜User｜>, <｜Assistant｜>, tool marker, <think> or </think> in content.
// Nothing is trimmed; reasoning_content is ""; tool calls get no id. Throws dseek::Error
// "cannot parse the V3 completion: REASON (at byte N)" for every text the rules reject (the
// reasons of detail::parse_call_body, "truncated tool call block (no <｜tool▁calls▁end｜>)",
// "truncated tool call (no <｜tool▁call▁end｜>)", "unexpected text inside tool call block",
// "empty tool call block", "unexpected text after tool calls", "unexpected text after EOS",
// "special marker in content or reasoning").
AssistantMessage parse_completion(std::string_view text);

namespace detail {
// The rules above for either call layout, with V3.1's thinking step first when `thinking`
// (reasoning up to the first "</think>"; none: "missing </think> in thinking mode").
AssistantMessage parse_completion(std::string_view text, bool thinking, CallLayout layout);
}  // namespace detail

}  // namespace dseek::chat::v3
