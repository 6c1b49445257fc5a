// Which chat format a checkpoint speaks, and the format-independent entry points the engine
// and `dseek template` use: DeepSeek-V3 / V3-0324 (chat/v3), V3.1 / V3.1-Terminus
// (chat/v3_1), V3.2 and V3.2-Speciale (chat/), V4 (chat/v4).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "chat/message.h"
#include "chat/python_json.h"
#include "chat/stream.h"

namespace dseek::chat {

enum class Format { V3, V3_1, V3_2, V4 };

// "v3", "v3.1", "v3.2", "v4".
std::string_view format_name(Format f);
// The inverse of format_name. Throws dseek::Error "unknown chat format 'X' (v3, v3.1, v3.2 or
// v4)".
Format format_from_name(std::string_view name);

// What a checkpoint ships that tells its generation apart.
struct FormatEvidence {
  std::string model_type;       // config.json model_type: "deepseek_v3", "deepseek_v32", "deepseek_v4"
  std::string chat_template;    // its Jinja chat template; "" when it ships none
  std::string template_source;  // where the template came from ("tokenizer_config.json", ...), for `reason`
  std::string name;             // the model's name(s): directory, config _name_or_path, GGUF general.name
};

struct FormatChoice {
  Format format = Format::V3_2;
  bool tool_calls = true;  // false for DeepSeek-V3.2-Speciale, which was not trained to call tools
  std::string reason;      // one line: what decided it
};

// The rule (first match wins):
//  1. model_type deepseek_v4                                      -> v4
//  2. a chat template with "｜DSML｜" (a V3.2-style template, e.g. llama.cpp's)       -> v3.2
//  3. a chat template with "<｜Assistant｜></think>" (V3.1 / V3.1-Terminus's, whatever the
//     model_type: a checkpoint that ships V3.1's template was trained on its prompts)  -> v3.1
//  4. a chat template with "<｜tool▁call▁begin｜>" or "<｜User｜>" (V3, V3-0324)     -> v3
//  5. no (DeepSeek) template: model_type deepseek_v3 -> v3; anything else -> v3.2 (V3.2 and
//     V3.2-Speciale ship no Jinja template: their prompts come from encoding_dsv32.py).
// tool_calls is false when the name contains "speciale" (any case): V3.2-Speciale's files are
// V3.2's, only its name tells it apart.
FormatChoice detect_format(const FormatEvidence& e);

// The prompt the engine and the server send for an OpenAI-style request body (messages,
// tools, response_format) in format `f`: chat::render_request (V3.2), v4::render_request,
// v3::render_request, v3_1::render_request (V3 / V3.1: the request's tools written into the
// system prompt; no thinking in V3). `add_generation_prompt` false: without the assistant's
// opening after the last message (as Hugging Face's flag: V3 / V3.1 by their templates' own
// rule, where V3's user turn still ends with "<｜Assistant｜>"; V3.2 and V4 leave out what
// follows the last message). Throws dseek::Error with the encoder's message.
std::string render_in(Format f, const Json& request, bool thinking, bool add_generation_prompt = true);

// Whether a completion of `prompt` starts inside the reasoning, i.e. is parsed in thinking
// mode: never for V3 (no thinking mode); for V3.1 only when the prompt ends in "<think>" (a
// thinking request whose prompt ends after tool results has no think tag, and the model
// answers without reasoning); `thinking` for V3.2 and V4.
bool completion_thinking(Format f, std::string_view prompt, bool thinking);

// The format's completion parser (chat::parse_completion, v4::, v3::, v3_1::). Throws
// dseek::Error when the format rejects the text.
AssistantMessage parse_in(Format f, std::string_view text, bool thinking);

// The format's streaming parser (chat::StreamParser, v4::StreamParser, v3::StreamParser,
// v3_1::StreamParser); tool call i gets id call_id_prefix + i when the prefix is non-empty.
std::unique_ptr<DeltaParser> stream_parser_in(Format f, bool thinking, std::string call_id_prefix = {});

}  // namespace dseek::chat
