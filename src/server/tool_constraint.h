// Tool calls constrained during decoding (issue 12), V3.2's DSML format only: the grammar a
// chat request's tool_choice / strict tools ask for (structured::tool_call_grammar), and the
// constraint that makes generation follow it.
#pragma once
#include <memory>
#include <string>

#include "grammar/grammar.h"
#include "server/chat_codec.h"
#include "server/request_fields.h"
#include "server/state.h"

namespace dseek::server {

struct ToolCallConstraint {
  std::shared_ptr<const grammar::Grammar> grammar;  // the DSML block; null: tool calls unconstrained
  // true: the answer is the block (tool_choice "required" or a named function); false: a
  // block the model opens must follow it (tool_choice "auto" with a `strict: true` tool).
  bool required = false;
};

// The constraint of a V3.2 request whose prompt opens a new assistant turn. `tools`: the tools
// rendered into the prompt (tool_choice "none" renders none: nothing constrained);
// `body`'s tool_choice (already validated) picks required / named / auto; parallel false:
// exactly one invoke. Other formats (V3, V3.1, V4): nothing (documented in README.md).
// ApiError 400 for a strict tool's parameters that cannot be compiled (param
// "tools[i].function.parameters", code "unsupported_schema", the message names the keyword).
ToolCallConstraint parse_tool_constraint(const Json& body, const Json& tools, const ChatCodec& codec, bool parallel);

// Makes every choice of `g` follow `c` (nothing when c.grammar is null). Required: from the
// first token, the block's start already written as `forced_prefix` (chat mode), or from the
// token after `</think>` (thinking mode). Auto: from the token that completes the DSML opener
// on (after `</think>` in thinking mode); until then the answer is free.
void constrain_tool_calls(const ServerState& st, GenParams& g, const ToolCallConstraint& c, const std::string& forced_prefix,
                          bool thinking);

}  // namespace dseek::server
