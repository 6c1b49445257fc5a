// Reading a checkpoint's chat-format evidence (chat_format.h).
#include "engine/chat_format.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/error.h"

namespace dseek {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(p.string() + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The JSON object of `p`, or null when the file is absent.
chat::Json read_json_opt(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return nullptr;
  try {
    chat::Json j = chat::Json::parse(read_text(p));
    if (!j.is_object()) throw Error(p.string() + ": expected a JSON object");
    return j;
  } catch (const chat::Json::exception& e) {
    throw Error(p.string() + ": not valid JSON (" + e.what() + ")");
  }
}

// tokenizer_config.json's chat_template: a string, or a list of named templates.
std::string template_of(const chat::Json& v, const fs::path& file) {
  if (v.is_null()) return {};
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && !v.empty()) {
    const chat::Json* pick = &v[0];
    for (const chat::Json& t : v)
      if (t.is_object() && t.value("name", std::string()) == "default") pick = &t;
    if (pick->is_object() && pick->contains("template") && (*pick)["template"].is_string())
      return (*pick)["template"].get<std::string>();
  }
  throw Error(file.string() + ": \"chat_template\" must be a string or a list of {\"name\", \"template\"}");
}

std::string base_name(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

}  // namespace

chat::FormatEvidence chat_format_evidence(const std::string& path, const std::string& model_type, const GgufFile* gguf) {
  chat::FormatEvidence e;
  e.model_type = model_type;
  e.name = base_name(path);
  if (gguf) {
    e.chat_template = gguf->get_string("tokenizer.chat_template", "");
    e.template_source = "the GGUF's tokenizer.chat_template";
    const std::string name = gguf->get_string("general.name", "");
    if (!name.empty()) e.name += " / " + name;
    return e;
  }
  const fs::path dir(path);
  if (const chat::Json cfg = read_json_opt(dir / "config.json"); cfg.is_object()) {
    if (auto n = cfg.find("_name_or_path"); n != cfg.end() && n->is_string()) e.name += " / " + n->get<std::string>();
  }
  const fs::path tc = dir / "tokenizer_config.json";
  if (const chat::Json j = read_json_opt(tc); j.is_object() && j.contains("chat_template")) {
    e.chat_template = template_of(j["chat_template"], tc);
    e.template_source = "tokenizer_config.json";
  }
  std::error_code ec;
  if (e.chat_template.empty() && fs::is_regular_file(dir / "chat_template.jinja", ec)) {
    e.chat_template = read_text(dir / "chat_template.jinja");
    e.template_source = "chat_template.jinja";
  }
  return e;
}

chat::FormatChoice checkpoint_chat_format(const std::string& path, const std::string& model_type, const GgufFile* gguf) {
  return chat::detect_format(chat_format_evidence(path, model_type, gguf));
}

}  // namespace dseek
