// The fixed passages of the DeepSeek-V4 prompt (encoding_dsv4.py: TOOLS_TEMPLATE and the
// reasoning-effort prompt), byte for byte as the reference encoder prints them (the vectors in
// tests/data/vectors/chat-v4 hold them inside their outputs, and v4_encode_test.cc checks them there).
// Raw string literals keep every byte.
#include "chat/v4/literals.h"

namespace dseek::chat::v4::lit {

// TOOLS_TEMPLATE up to its {tool_schemas} (890 bytes).
const std::string_view kToolsBlockPrefix = R"lit(## Tools

You have access to a set of tools to help answer the user's question. You can invoke tools by writing a "<｜DSML｜tool_calls>" block like the following:

<｜DSML｜tool_calls>
<｜DSML｜invoke name="$TOOL_NAME">
<｜DSML｜parameter name="$PARAMETER_NAME" string="true|false">$PARAMETER_VALUE</｜DSML｜parameter>
...
</｜DSML｜invoke>
<｜DSML｜invoke name="$TOOL_NAME2">
...
</｜DSML｜invoke>
</｜DSML｜tool_calls>

String parameters should be specified as is and set `string="true"`. For all other types (numbers, booleans, arrays, objects), pass the value in JSON format and set `string="false"`.

If thinking_mode is enabled (triggered by <think>), you MUST output your complete reasoning inside <think>...</think> BEFORE any tool calls or final response.

Otherwise, output directly after </think> with tool calls or final response.

### Available Tool Schemas

)lit";

// TOOLS_TEMPLATE after its {tool_schemas} (99 bytes).
const std::string_view kToolsBlockSuffix = R"lit(

You MUST strictly follow the above defined tool name and parameter schemas to invoke tool calls.
)lit";

// The reasoning_effort="max" prompt (476 bytes).
const std::string_view kEffortMaxPrompt = R"lit(Reasoning Effort: Absolute maximum with no shortcuts permitted.
You MUST be very thorough in your thinking and comprehensively decompose the problem to resolve the root cause, rigorously stress-testing your logic against all potential paths, edge cases, and adversarial scenarios.
Explicitly write out your entire deliberation process, documenting every intermediate step, considered alternative, and rejected hypothesis to ensure absolutely no assumption is left unchecked.

)lit";

}  // namespace dseek::chat::v4::lit
