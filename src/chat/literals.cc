// The fixed strings of the DeepSeek-V3.2 prompt format (CHAT_FORMAT.md section 1).
// Generated once from shared/vectors/chat/literals.json (the reference encoder's output) and
// embedded here because an installed engine has no vectors at run time; the test
// literals_test.cc checks them against that file. Raw string literals keep every byte.
#include "chat/literals.h"

namespace dseek::chat::lit {

// literals.json "bos" (21 code points)
const std::string_view kBos = R"lit(<｜begin▁of▁sentence｜>)lit";

// literals.json "eos" (19 code points)
const std::string_view kEos = R"lit(<｜end▁of▁sentence｜>)lit";

// literals.json "user_marker" (8 code points)
const std::string_view kUser = R"lit(<｜User｜>)lit";

// literals.json "assistant_marker" (13 code points)
const std::string_view kAssistant = R"lit(<｜Assistant｜>)lit";

// literals.json "think_open" (7 code points)
const std::string_view kThinkOpen = R"lit(<think>)lit";

// literals.json "think_close" (8 code points)
const std::string_view kThinkClose = R"lit(</think>)lit";

// literals.json "dsml_marker" (6 code points)
const std::string_view kDsml = R"lit(｜DSML｜)lit";

// literals.json "tools_block_prefix" (1089 code points)
const std::string_view kToolsBlockPrefix = R"lit(## Tools

You have access to a set of tools you can use to answer the user's question.
You can invoke functions by writing a "<｜DSML｜function_calls>" block like the following as part of your reply to the user:
<｜DSML｜function_calls>
<｜DSML｜invoke name="$FUNCTION_NAME">
<｜DSML｜parameter name="$PARAMETER_NAME" string="true|false">$PARAMETER_VALUE</｜DSML｜parameter>
...
</｜DSML｜invoke>
<｜DSML｜invoke name="$FUNCTION_NAME2">
...
</｜DSML｜invoke>
</｜DSML｜function_calls>

String and scalar parameters should be specified as is without any escaping or quotes, while lists and objects should use JSON format. The "string" attribute should be set to "true" for string type parameters and "false" for other types (numbers, booleans, arrays, objects).

If the thinking_mode is enabled, then after function results you should strongly consider outputting a thinking block. Here is an example:

<｜DSML｜function_calls>
...
</｜DSML｜function_calls>

<function_results>
...
</function_results>

<think>...thinking about results</think>

Here are the functions available in JSONSchema format:
<functions>
)lit";

// literals.json "tools_block_suffix" (14 code points)
const std::string_view kToolsBlockSuffix = R"lit(
</functions>
)lit";

// literals.json "response_format_prefix" (80 code points)
const std::string_view kResponseFormatPrefix = R"lit(## Response Format:

You MUST strictly adhere to the following schema to reply:
)lit";

// literals.json "developer_content_prefix" (25 code points)
const std::string_view kDeveloperContentPrefix = R"lit(# The user's message is: )lit";


}  // namespace dseek::chat::lit
