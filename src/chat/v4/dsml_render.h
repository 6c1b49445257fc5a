// The DSML pieces of a DeepSeek-V4 prompt: the tools block of a system/developer message
// and an assistant message's tool calls (encoding_dsv4.py render_tools,
// encode_arguments_to_dsml, tool_call_template, tool_calls_template).
#pragma once
#include <string>

#include "chat/python_json.h"

namespace dseek::chat::v4::detail {

// render_tools: TOOLS_TEMPLATE with each tool's whole "function" object as one JSON line
// (json.dumps, keys in the order given). `tools` is an OpenAI tools array. Throws
// dseek::Error naming `where` for an entry without a "function".
std::string render_tools(const Json& tools, const std::string& where);

// "\n\n<｜DSML｜tool_calls>\n" + one invoke per call, joined by "\n" + "\n</｜DSML｜tool_calls>".
// An invoke is `<｜DSML｜invoke name="NAME">\n` + its parameters joined by "\n" +
// `\n</｜DSML｜invoke>`. The parameters come from function.arguments decoded as json.loads
// does: each member KEY: V becomes `<｜DSML｜parameter name="KEY" string="true">V` for a
// string V, `string="false">json.dumps(V)` otherwise, `</｜DSML｜parameter>`. Arguments that
// are not JSON text become the one string parameter "arguments" (the text itself), and
// arguments that are not a string at all the one parameter "arguments" with string="false"
// and their JSON. Throws dseek::Error naming the call for a call without a "function"
// object or a string function.name, and for arguments whose JSON is not an object (the
// reference fails on those).
std::string render_tool_calls(const Json& calls, const std::string& where);

}  // namespace dseek::chat::v4::detail
