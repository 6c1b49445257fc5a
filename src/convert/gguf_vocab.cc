#include "convert/gguf_vocab.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "tokenizer/tokenizer_json.h"

namespace dseek {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

enum TokenType { kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5 };

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(p.string() + ": cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A JSON file, or null when it does not exist.
json read_json_opt(const fs::path& p) {
  if (!fs::exists(p)) return json();
  try {
    return json::parse(read_text(p));
  } catch (const json::exception& e) {
    throw Error(p.string() + ": malformed JSON: " + e.what());
  }
}

bool ends_with(const std::string& s, const std::string& t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}
bool starts_with(const std::string& s, const std::string& t) { return s.compare(0, t.size(), t) == 0; }

// gguf-py's does_token_look_special: added tokens that some models forget to mark special.
bool looks_special(const std::string& t) {
  if (t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]") return true;
  if (starts_with(t, "<|") && ends_with(t, "|>")) return true;
  if (starts_with(t, "<\xef\xbd\x9c") && ends_with(t, "\xef\xbd\x9c>")) return true;  // <｜ ... ｜>
  return starts_with(t, "<unused") && ends_with(t, ">");
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  return s;
}

// A special token entry of tokenizer_config.json: "text" or {"content": "text", ...}.
bool token_content(const json& e, std::string* out) {
  if (e.is_string()) return *out = e.get<std::string>(), true;
  if (e.is_object() && e.contains("content") && e["content"].is_string()) return *out = e["content"].get<std::string>(), true;
  return false;
}

}  // namespace

bool has_hf_tokenizer(const std::string& dir) { return fs::exists(fs::path(dir) / "tokenizer.json"); }

std::vector<GgufKv> gguf_vocab_metadata(const std::string& dir, int vocab_size) {
  const fs::path tok_path = fs::path(dir) / "tokenizer.json";
  if (!fs::exists(tok_path)) throw Error(tok_path.string() + ": missing (the GGUF needs the tokenizer)");
  TokenizerJson tj;
  try {
    tj = parse_tokenizer_json(read_text(tok_path));
  } catch (const std::exception& e) {
    throw Error(tok_path.string() + ": malformed JSON: " + e.what());
  }
  if (!tj.vocab || !tj.merges) throw Error(tok_path.string() + ": model.vocab (an object) or model.merges (an array) missing");
  const std::string where = tok_path.string();

  std::vector<std::string> tokens(vocab_size);
  std::vector<int64_t> types(vocab_size, kUnused);
  std::vector<bool> have(vocab_size, false);
  auto check_id = [&](const json& id, const std::string& piece) -> int {
    if (!id.is_number_integer()) throw Error(where + ": token '" + piece + "' has a non-integer id");
    const int64_t i = id.get<int64_t>();
    if (i < 0 || i >= vocab_size)
      throw Error(where + ": token '" + piece + "' has id " + std::to_string(i) + ", outside the config's vocab_size " +
                  std::to_string(vocab_size));
    return static_cast<int>(i);
  };
  for (const auto& [piece, id] : *tj.vocab) {
    const int i = check_id(id, piece);
    tokens[i] = piece;
    types[i] = kNormal;
    have[i] = true;
  }
  const json& added = tj.rest.contains("added_tokens") ? tj.rest["added_tokens"] : json::array();
  for (const auto& a : added) {
    if (!a.is_object() || !a.contains("content") || !a["content"].is_string() || !a.contains("id"))
      throw Error(where + ": malformed entry in added_tokens");
    std::string content = a["content"].get<std::string>();
    const int i = check_id(a["id"], content);
    const bool special = a.value("special", false);
    if (special || looks_special(content)) {
      types[i] = kControl;
    } else {
      content = replace_all(content, "\xe2\x96\x81", " ");  // '▁' -> ' ' (pre-normalised user-defined spaces)
      types[i] = kUserDefined;
    }
    tokens[i] = std::move(content);
    have[i] = true;
  }
  for (int i = 0; i < vocab_size; ++i)
    if (!have[i]) tokens[i] = "[PAD" + std::to_string(i) + "]";

  std::vector<std::string> merges;
  merges.reserve(tj.merges->size());
  for (const auto& m : *tj.merges) {
    if (m.is_string()) merges.push_back(m.get<std::string>());
    else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
      merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    else throw Error(where + ": malformed entry in model.merges");
  }

  std::vector<GgufKv> kv;
  kv.emplace_back("tokenizer.ggml.model", gguf_string("gpt2"));
  kv.emplace_back("tokenizer.ggml.pre", gguf_string("deepseek-v3"));
  kv.emplace_back("tokenizer.ggml.tokens", gguf_string_array(std::move(tokens)));
  kv.emplace_back("tokenizer.ggml.token_type", gguf_i32_array(std::move(types)));
  kv.emplace_back("tokenizer.ggml.merges", gguf_string_array(std::move(merges)));

  // Special tokens (gguf-py SpecialVocab): tokenizer_config.json's *_token by content among
  // the added tokens first, then config.json's *_token_id; ids past the vocabulary ignored.
  const json tc = read_json_opt(fs::path(dir) / "tokenizer_config.json");
  const json cfg = read_json_opt(fs::path(dir) / "config.json");
  static const char* const kTypes[] = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};
  static const char* const kKeys[] = {"bos_token_id", "eos_token_id", "unknown_token_id", "seperator_token_id",
                                      "padding_token_id", "cls_token_id", "mask_token_id"};
  std::map<int, int64_t> ids;  // type index -> id
  for (int k = 0; k < 7; ++k) {
    std::string content;
    if (!tc.is_object() || !tc.contains(std::string(kTypes[k]) + "_token") ||
        !token_content(tc[std::string(kTypes[k]) + "_token"], &content))
      continue;
    for (const auto& a : added) {
      if (a["content"].get<std::string>() == content) {
        ids[k] = a["id"].get<int64_t>();
        break;
      }
    }
  }
  for (int k = 0; k < 7; ++k) {
    const std::string key = std::string(kTypes[k]) + "_token_id";
    if (!ids.count(k) && cfg.is_object() && cfg.contains(key) && cfg[key].is_number_integer()) {
      const int64_t id = cfg[key].get<int64_t>();
      if (id >= 0 && id < vocab_size) ids[k] = id;
    }
  }
  for (const auto& [k, id] : ids) kv.emplace_back(std::string("tokenizer.ggml.") + kKeys[k], gguf_u32(static_cast<uint32_t>(id)));
  for (int k = 0; k < 7; ++k) {
    const std::string key = std::string("add_") + kTypes[k] + "_token";
    if (tc.is_object() && tc.contains(key) && tc[key].is_boolean())
      kv.emplace_back("tokenizer.ggml." + key, gguf_bool(tc[key].get<bool>()));
  }

  // Chat template: tokenizer_config.json's, else chat_template.jinja, else chat_template.json.
  std::string tmpl;
  bool have_tmpl = false;
  auto take = [&](const json& t) {
    if (t.is_string()) {
      tmpl = t.get<std::string>(), have_tmpl = true;
    } else if (t.is_array()) {  // [{name, template}, ...]: the default one
      for (const auto& e : t)
        if (e.is_object() && e.value("name", "") == "default" && e.contains("template") && e["template"].is_string())
          tmpl = e["template"].get<std::string>(), have_tmpl = true;
    }
  };
  if (tc.is_object() && tc.contains("chat_template")) take(tc["chat_template"]);
  if (!have_tmpl && fs::exists(fs::path(dir) / "chat_template.jinja")) {
    tmpl = read_text(fs::path(dir) / "chat_template.jinja");
    have_tmpl = true;
  }
  if (!have_tmpl) {
    const json ct = read_json_opt(fs::path(dir) / "chat_template.json");
    if (ct.is_object() && ct.contains("chat_template")) take(ct["chat_template"]);
  }
  if (have_tmpl) kv.emplace_back("tokenizer.chat_template", gguf_string(std::move(tmpl)));
  return kv;
}

}  // namespace dseek
