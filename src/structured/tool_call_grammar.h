// The DeepSeek-V3.2 tool-call block (DSML, shared/vectors/CHAT_FORMAT.md section 4) as a
// grammar over bytes: what a tool call must look like when tool_choice requires one or a
// strict tool is called. The grammar layer knows JSON Schema only; the chat format's tags
// are assembled here, around the JSON value rules of src/grammar.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "grammar/grammar.h"

namespace dseek::structured {

struct ToolCallRules {
  // The offered tools, OpenAI-shaped: [{"type": "function", "function": {"name", "parameters"?,
  // "strict"?}}] (validated by the caller: each an object with a non-empty string name).
  nlohmann::ordered_json tools = nlohmann::ordered_json::array();
  // Non-empty: the only tool that may be called (tool_choice naming a function).
  std::string only;
  // false: exactly one invoke (parallel_tool_calls false); true: one or more.
  bool parallel = true;
};

// The block from the parser's OPENER ("\n\n<｜DSML｜function_calls") through
// "</｜DSML｜function_calls>", in the encoder's spelling: invokes of offered tools only.
//  * A tool with `strict: true`: its parameters are the `parameters` schema's `properties` in
//    declared order, required ones present, others only with additionalProperties (true or a
//    schema; free names, which may repeat a declared one). A parameter whose schema admits
//    strings only (type "string", or a string enum/const; through local $refs) is raw text,
//    string="true", with minLength/maxLength/enum/const kept; any other is string="false" and
//    a JSON value of its schema in the canonical spelling (src/grammar/README.md).
//    `parameters` absent: no parameters. Compiled with grammar::Options::strict: an
//    unsupported keyword is a SchemaError naming "tools[i].function.parameters" and the keyword.
//  * Any other tool: any parameters (names of printable characters without `"`, `<`, `>`),
//    each raw text (string="true") or any JSON value (string="false"); a name may repeat.
// Raw text is well-formed UTF-8 without NUL and without "｜" (U+FF5C), so a value can never
// spell a DSML tag the parser would stop at. An empty argument list may be spelled with or
// without the encoder's empty line. Throws grammar::SchemaError (message starts with the
// tool's field) for a schema that cannot be compiled, dseek::Error for `only` not offered.
std::shared_ptr<const grammar::Grammar> tool_call_grammar(const ToolCallRules& rules);

// True when some tool of `tools` (shape as ToolCallRules::tools) has function.strict true.
bool any_strict_tool(const nlohmann::ordered_json& tools);

}  // namespace dseek::structured
