// Format names, the detection rule and the per-format dispatch (format.h).
#include "chat/format.h"

#include <algorithm>
#include <cctype>

#include "chat/encode.h"
#include "chat/parse.h"
#include "chat/request.h"
#include "chat/v3/v3.h"
#include "chat/v3_1/v3_1.h"
#include "chat/v4/v4.h"
#include "runtime/error.h"

namespace dseek::chat {
namespace {

bool has(std::string_view s, std::string_view t) { return s.find(t) != std::string_view::npos; }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

FormatChoice by_template(const FormatEvidence& e) {
  const std::string_view t = e.chat_template;
  const std::string src = "the chat template in " + e.template_source;
  if (has(t, "｜DSML｜")) return {Format::V3_2, true, src + " writes DSML tool calls (V3.2)"};
  if (has(t, "<｜Assistant｜></think>"))
    return {Format::V3_1, true, src + " has V3.1's thinking switch (<｜Assistant｜></think>)"};
  if (has(t, "<｜tool▁call▁begin｜>") || has(t, "<｜User｜>"))
    return {Format::V3, true, src + " is DeepSeek-V3's (<｜tool▁call▁begin｜> calls, no thinking switch)"};
  return {Format::V3_2, true, ""};  // not a DeepSeek template: decided by model_type
}

}  // namespace

std::string_view format_name(Format f) {
  switch (f) {
    case Format::V3: return "v3";
    case Format::V3_1: return "v3.1";
    case Format::V3_2: return "v3.2";
    case Format::V4: return "v4";
  }
  return "v3.2";
}

Format format_from_name(std::string_view name) {
  for (Format f : {Format::V3, Format::V3_1, Format::V3_2, Format::V4})
    if (format_name(f) == name) return f;
  throw Error("unknown chat format '" + std::string(name) + "' (v3, v3.1, v3.2 or v4)");
}

FormatChoice detect_format(const FormatEvidence& e) {
  FormatChoice c;
  if (e.model_type == "deepseek_v4") {
    c = {Format::V4, true, "config.json model_type deepseek_v4"};
  } else if (c = by_template(e); c.reason.empty()) {
    const std::string why = e.chat_template.empty() ? "no chat template" : "a chat template that is not DeepSeek's";
    if (e.model_type == "deepseek_v3")
      c = {Format::V3, true, why + ", model_type deepseek_v3 (DeepSeek-V3)"};
    else
      c = {Format::V3_2, true, why + ", model_type " + (e.model_type.empty() ? "unknown" : e.model_type) +
                                   " (DeepSeek-V3.2 ships no Jinja template)"};
  }
  if (has(lower(e.name), "speciale")) {
    c.tool_calls = false;
    c.reason += "; the name says V3.2-Speciale: no tool calling";
  }
  return c;
}

std::string render_in(Format f, const Json& request, bool thinking, bool add_generation_prompt) {
  switch (f) {
    case Format::V3: return v3::render_request(request, add_generation_prompt);
    case Format::V3_1: return v3_1::render_request(request, thinking, add_generation_prompt);
    case Format::V4: return v4::render_request(request, thinking, add_generation_prompt);
    case Format::V3_2: break;
  }
  EncodeOptions opt;
  opt.thinking = thinking;
  opt.add_generation_prompt = add_generation_prompt;
  return encode_messages(request_messages(request), opt);
}

bool completion_thinking(Format f, std::string_view prompt, bool thinking) {
  if (f == Format::V3) return false;
  if (f == Format::V3_1) return thinking && prompt.ends_with(lit::kThinkOpen);
  return thinking;
}

AssistantMessage parse_in(Format f, std::string_view text, bool thinking) {
  switch (f) {
    case Format::V3: return v3::parse_completion(text);
    case Format::V3_1: return v3_1::parse_completion(text, thinking);
    case Format::V4: return v4::parse_completion(text, thinking);
    case Format::V3_2: break;
  }
  return parse_completion(text, thinking);
}

std::unique_ptr<DeltaParser> stream_parser_in(Format f, bool thinking, std::string call_id_prefix) {
  switch (f) {
    case Format::V3: return std::make_unique<v3::StreamParser>(std::move(call_id_prefix));
    case Format::V3_1: return std::make_unique<v3_1::StreamParser>(thinking, std::move(call_id_prefix));
    case Format::V4: return std::make_unique<v4::StreamParser>(thinking, std::move(call_id_prefix));
    case Format::V3_2: break;
  }
  return std::make_unique<StreamParser>(thinking, std::move(call_id_prefix));
}

}  // namespace dseek::chat
