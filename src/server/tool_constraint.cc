#include "server/tool_constraint.h"

#include "chat/literals.h"
#include "runtime/error.h"
#include "server/errors.h"
#include "structured/json_constraint.h"
#include "structured/tool_call_constraint.h"
#include "structured/tool_call_grammar.h"

namespace dseek::server {

ToolCallConstraint parse_tool_constraint(const Json& body, const Json& tools, const ChatCodec& codec, bool parallel) {
  ToolCallConstraint c;
  if (codec.format != chat::Format::V3_2 || tools.empty()) return c;
  structured::ToolCallRules rules;
  rules.tools = tools;
  rules.parallel = parallel;
  auto tc = body.find("tool_choice");
  if (tc != body.end() && tc->is_object()) {
    rules.only = (*tc)["function"]["name"].get<std::string>();
    c.required = true;
  } else if (tc != body.end() && *tc == "required") {
    c.required = true;
  } else if (!structured::any_strict_tool(tools)) {
    return c;  // auto without strict tools: the model's calls stay as it writes them
  }
  try {
    c.grammar = structured::tool_call_grammar(rules);
  } catch (const grammar::SchemaError& e) {
    // The message starts with the tool's field: "tools[i].function.parameters: ...".
    const std::string msg = e.what();
    const size_t colon = msg.find(':');
    throw bad_request(msg, colon == std::string::npos ? "tools" : msg.substr(0, colon), "unsupported_schema");
  }
  return c;
}

void constrain_tool_calls(const ServerState& st, GenParams& g, const ToolCallConstraint& c, const std::string& forced_prefix,
                          bool thinking) {
  if (!c.grammar) return;
  const int32_t think_end = thinking ? structured::think_end_token(st.tok()) : -1;
  if (!c.required) {
    g.opt.constraint = structured::after_text(c.grammar, st.token_trie(), std::string(chat::lit::kOpener), think_end);
    return;
  }
  g.opt.constraint = structured::grammar_constraint(c.grammar, st.token_trie(), forced_prefix);
  if (thinking) g.opt.constraint = after_token(std::move(g.opt.constraint), think_end);
}

}  // namespace dseek::server
