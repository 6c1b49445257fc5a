// POST /v1/chat/completions body -> what to generate: the prompt in the model's chat format
// (V3.2 or V4, chat_codec.h) and the generation parameters. Validates the OpenAI fields
// (ApiError 400 naming the field).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "grammar/grammar.h"
#include "server/chat_codec.h"
#include "server/request_fields.h"
#include "server/tool_constraint.h"

namespace dseek::server {

struct ChatPlan {
  Json render_body;        // {"messages", "tools"?, "response_format"?} for ChatCodec::render
  bool thinking = false;   // thinking mode (DeepSeek `thinking`, or chat_template_kwargs.thinking)
  std::string prompt;      // the rendered prompt, forced_prefix included
  // tool_choice steering in chat mode: text the completion is made to start with (the
  // DSML opener and, for a named function, its invoke header). The model continues it;
  // the message is parsed as if the model had written it. Empty otherwise.
  std::string forced_prefix;
  // parallel_tool_calls: false reports at most the first call of the model's block.
  bool parallel_tool_calls = true;
  // The names of the tools rendered into the prompt (none without `tools` or with
  // tool_choice "none"): a call of any other name is reported as content, not a tool call.
  std::vector<std::string> offered_tools;
  // response_format json_schema / json_object: the grammar the answer (content) follows;
  // null for text, no response_format, or a tool call forced by tool_choice in chat mode.
  std::shared_ptr<const grammar::Grammar> grammar;
  // V3.2 tool calls constrained during decoding (tool_constraint.h): tool_choice "required" /
  // a named function (the answer is the call block; replaces `grammar`), or tool_choice "auto"
  // with `strict: true` tools (a block the model opens follows the tools' schemas; only
  // without a response_format grammar). Null grammar: unconstrained.
  ToolCallConstraint calls;
  GenParams gen;
};

// Validates and renders a chat request:
//  * messages: non-empty; roles system/developer/user/assistant/tool; content a string,
//    null (system/assistant) or a list of {"type": "text"} parts (joined with "\n");
//    assistant reasoning_content and tool_calls; tool messages need a tool_call_id that
//    matches a call of the assistant message they answer (results are put in call order).
//  * tools, tool_choice: "none" renders no tools (a call the model writes anyway is
//    content, as is any call of a tool not offered: offered_tools); "auto" renders all. In chat mode, "required" starts the
//    completion with the DSML opener up to the tool name and a named function with its
//    whole invoke header (all tools rendered, as the model was trained), in the codec's
//    block syntax (V3.2: function_calls, V4: tool_calls). In thinking mode
//    the reasoning must come first, so only the rendering steers: a named function is the
//    only tool rendered, "required" renders all.
//    V3.2 also constrains the call during decoding (parse_tool_constraint): "required" / a
//    named function make the answer a DSML block of offered tools (the named one only;
//    parallel_tool_calls false: one invoke), and a `strict: true` tool's arguments follow its
//    `parameters` schema whenever it is called (with "auto" too, once the block is opened).
//  * response_format: text, json_object, json_schema (rendered as the codec's encoder does,
//    and compiled into `grammar`: parse_response_format's errors, e.g. a 400 naming an
//    unsupported schema keyword with strict: true).
//  * thinking: `thinking: {"type": "enabled"|"disabled"}`, top-level `enable_thinking`,
//    `chat_template_kwargs.thinking` / `.enable_thinking` (no other template option); off by
//    default; two switches that disagree are a 400 naming the later one.
//  * logprobs (bool) / top_logprobs (0..20, needs logprobs), parallel_tool_calls,
//    reasoning_effort (max, high, medium, low, minimal, none; V4: max / high reach the
//    encoder), plus parse_gen_params and the inert fields of chat_fields.h. Any other
//    top-level field: 400 unknown_parameter.
// Errors the encoder raises (e.g. tool-call arguments that are not a JSON object) are 400
// too, with its message. `codec`: the model's chat format (ChatCodec::for_format of
// LmInfo::chat_format); V4 renders with chat::v4::render_request's default options.
ChatPlan parse_chat_request(const Json& body, const ChatCodec& codec = ChatCodec::v32());

}  // namespace dseek::server
