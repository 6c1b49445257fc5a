// Pieces of the completion parser (CHAT_FORMAT.md section 9) shared by parse_completion and
// StreamParser: marker search, the two header/body patterns, the arguments text.
// Internal to src/chat.
#pragma once
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace dseek::chat::detail {

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

// `{"KEY": W, ...}`: W = json.dumps(VALUE) for string="true"; for string="false" the
// VALUE verbatim when it is valid JSON syntax (is_json_text), else json.dumps(VALUE) -- the one
// departure from the reference, which would insert invalid JSON verbatim.
std::string arguments_json(const std::vector<Param>& params);

// Whether `s` contains BOS, EOS, "<think>", "</think>" or "｜DSML｜" (the leak check).
bool contains_special_token(std::string_view s);

}  // namespace dseek::chat::detail
