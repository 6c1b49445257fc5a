// Fixed strings of the DeepSeek-V3.2 chat format (CHAT_FORMAT.md section 1), embedded in
// literals.cc from shared/vectors/chat/literals.json. The DSML tags built from kDsml are
// spelled out here too, since the encoder and both parsers search for them.
#pragma once
#include <string_view>

namespace dseek::chat::lit {

// Special markers (each one token of tokenizer_v32.json).
extern const std::string_view kBos;        // "<｜begin▁of▁sentence｜>"   id 0
extern const std::string_view kEos;        // "<｜end▁of▁sentence｜>"     id 1
extern const std::string_view kUser;       // "<｜User｜>"                id 128803
extern const std::string_view kAssistant;  // "<｜Assistant｜>"           id 128804
extern const std::string_view kThinkOpen;  // "<think>"                   id 128798
extern const std::string_view kThinkClose; // "</think>"                  id 128799
extern const std::string_view kDsml;       // "｜DSML｜" (ordinary text)

// Fixed English passages (CHAT_FORMAT.md section 1, by literals.json key).
extern const std::string_view kToolsBlockPrefix;        // tools_block_prefix (with blank lines)
extern const std::string_view kToolsBlockSuffix;        // tools_block_suffix
extern const std::string_view kResponseFormatPrefix;    // response_format_prefix
extern const std::string_view kDeveloperContentPrefix;  // developer_content_prefix

// DSML tags (CHAT_FORMAT.md sections 1, 4 and 9). U+FF5C is "｜".
inline constexpr std::string_view kCallsOpen = "<｜DSML｜function_calls>";
inline constexpr std::string_view kCallsClose = "</｜DSML｜function_calls>";
// The parser's OPENER: two newlines and the opening tag without its '>' (section 9).
inline constexpr std::string_view kOpener = "\n\n<｜DSML｜function_calls";
inline constexpr std::string_view kInvokeStart = "<｜DSML｜invoke";      // + ` name="…">`
inline constexpr std::string_view kInvokeEnd = "</｜DSML｜invoke";       // + `>`
inline constexpr std::string_view kParamStart = "<｜DSML｜parameter";    // + ` name="…" string="…">`
inline constexpr std::string_view kParamEndNoLt = "/｜DSML｜parameter";  // the parser's search string
inline constexpr std::string_view kParamEnd = "</｜DSML｜parameter>";

// Plain-text tool-result tags (ordinary tokens).
inline constexpr std::string_view kResultsOpen = "<function_results>";
inline constexpr std::string_view kResultsClose = "</function_results>";
inline constexpr std::string_view kResultOpen = "<result>";
inline constexpr std::string_view kResultClose = "</result>";

}  // namespace dseek::chat::lit
