// Pieces of the completion parser (CHAT_FORMAT.md section 9) shared by parse_completion and
// StreamParser: marker search, the two header/body patterns, the arguments text.
// Internal to src/chat.
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "chat/literals.h"

namespace dseek::chat::detail {

// The tool-call block of one DSML chat format: its tag name (V3.2 "function_calls", V4
// "tool_calls") and how string="false" values reach `arguments`. Everything else of the
// block (invoke, parameter, the patterns below) is common to both formats.
struct BlockSyntax {
  std::string_view opener;  // the parser's OPENER: "\n\n<｜DSML｜NAME" (without '>')
  std::string_view close;   // "</｜DSML｜NAME>"
  bool verbatim_values;     // copy string="false" values as they are, JSON or not (the reference)
};

// V3.2's block (CHAT_FORMAT.md section 9): function_calls; a string="false" value that is not
// JSON becomes a JSON string (arguments_json below).
inline constexpr BlockSyntax kV32Block{lit::kOpener, lit::kCallsClose, false};

// find_first: the earliest occurrence at or after `from` of any needle. When none occurs,
// pos = end = text.size() and which = -1 (the "segment" is the rest of the text).
struct Hit {
  size_t pos;  // where the needle starts
  size_t end;  // just after it
  int which;   // index into the needle list, -1 when none
};
Hit find_first(std::string_view text, size_t from, std::initializer_list<std::string_view> needles);

// The invoke header between "<｜DSML｜invoke" and the next "<｜DSML｜parameter" or
// "</｜DSML｜invoke": Python's re.findall(r'^\s*name="(.*?)">\n$', h, re.DOTALL), with \s
// Python's Unicode whitespace and $ also matching before one final newline. Sets `name`.
bool match_invoke_header(std::string_view header, std::string& name);

// Whether a header that starts with `avail` (more text may follow) could still match
// match_invoke_header, i.e. whether it is Python whitespace then a prefix of `name="` (or
// more). False means the block is certainly malformed.
bool invoke_header_could_match(std::string_view avail);

// One parameter: the body between "<｜DSML｜parameter" and "/｜DSML｜parameter", matched
// against r'^ name="(.*?)" string="(true|false)">(.*?)<$' (DOTALL, shortest groups).
struct Param {
  std::string key;
  bool is_string = true;
  std::string value;  // raw text
};
bool match_param_body(std::string_view body, Param& out);

// The head ` name="KEY" string="(true|false)">` that match_param_body finds in a body that
// begins with `avail` (more text may follow): 1 when certain (sets out.key, out.is_string and
// `head_len`), 0 when more text is needed to tell, -1 when no body beginning so can match.
int match_param_head(std::string_view avail, Param& out, size_t& head_len);

// `{"KEY": W, ...}`: W = json.dumps(VALUE) for string="true"; for string="false" the
// VALUE verbatim when it is valid JSON syntax (is_json_text), else json.dumps(VALUE) -- the one
// departure from the reference, which would insert invalid JSON verbatim. With
// `verbatim_values` every string="false" VALUE is inserted as it is, as the reference's
// decode_dsml_to_arguments does (the text may then not be JSON).
std::string arguments_json(const std::vector<Param>& params, bool verbatim_values = false);

// Whether `s` contains BOS, EOS, "<think>", "</think>" or "｜DSML｜" (the leak check).
bool contains_special_token(std::string_view s);

}  // namespace dseek::chat::detail
