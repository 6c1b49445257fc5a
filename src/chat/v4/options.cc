// Keyword arguments -> EncodeOptions, with the reference's messages for invalid values.
#include "chat/v4/options.h"

#include <string>

#include "runtime/error.h"

namespace dseek::chat::v4 {
namespace {

// How Python's f-string shows a value the reference rejects: a string as it is, else JSON.
std::string shown(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool flag(const Json& fields, const char* key, bool fallback) {
  auto it = fields.find(key);
  if (it == fields.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw Error(std::string("\"") + key + "\" must be true or false, got " + it->dump());
  return it->get<bool>();
}

}  // namespace

bool thinking_from_mode(std::string_view mode) {
  if (mode == "thinking") return true;
  if (mode == "chat") return false;
  throw Error("Invalid thinking_mode `" + std::string(mode) + "` (expected \"chat\" or \"thinking\")");
}

ReasoningEffort reasoning_effort_from(const Json& value) {
  if (value.is_null()) return ReasoningEffort::None;
  if (value == "high") return ReasoningEffort::High;
  if (value == "max") return ReasoningEffort::Max;
  throw Error("Invalid reasoning effort: " + shown(value) + " (expected \"max\", \"high\" or null)");
}

EncodeOptions options_from_fields(const Json& fields, bool default_thinking) {
  if (!fields.is_object()) throw Error("encoder options must be a JSON object");
  EncodeOptions opt;
  opt.thinking = default_thinking;
  if (auto it = fields.find("thinking_mode"); it != fields.end() && !it->is_null()) {
    if (!it->is_string()) throw Error("Invalid thinking_mode `" + shown(*it) + "` (expected \"chat\" or \"thinking\")");
    opt.thinking = thinking_from_mode(it->get<std::string>());
  }
  if (auto it = fields.find("reasoning_effort"); it != fields.end()) opt.reasoning_effort = reasoning_effort_from(*it);
  opt.drop_thinking = flag(fields, "drop_thinking", true);
  opt.add_bos = flag(fields, "add_default_bos_token", true);
  if (auto it = fields.find("context"); it != fields.end() && !it->is_null()) {
    if (!it->is_array()) throw Error("\"context\" must be null or an array of messages");
    opt.context = *it;
  }
  return opt;
}

}  // namespace dseek::chat::v4
