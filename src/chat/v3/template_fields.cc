// The templates' field access (template_fields.h).
#include "chat/v3/template_fields.h"

#include "runtime/error.h"

namespace dseek::chat::v3::detail {
namespace {

// A string field of `obj` (its Jinja errors named by `where`).
std::string string_field(const Json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) throw Error(where + " has no \"" + key + "\" (the chat template reads it)");
  if (it->is_null()) throw Error(where + ": \"" + key + "\" is null; the chat template needs a string");
  if (!it->is_string()) throw Error(where + ": \"" + key + "\" must be a string, not " + it->type_name());
  return it->get<std::string>();
}

}  // namespace

std::vector<Msg> read_messages(const Json& messages) {
  if (!messages.is_array()) throw Error("messages must be an array of message objects");
  std::vector<Msg> out;
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const Json& m = messages[i];
    if (!m.is_object()) throw Error(where + " must be a JSON object");
    auto r = m.find("role");
    if (r == m.end() || !r->is_string()) throw Error(where + " has no string \"role\"");
    out.push_back(Msg{&m, r->get<std::string>(), where});
  }
  return out;
}

std::string content(const Msg& m) { return string_field(*m.json, "content", m.where); }

std::string content_or_empty(const Msg& m) {
  auto it = m.json->find("content");
  if (it != m.json->end() && it->is_null()) return {};
  return content(m);
}

std::string system_prompt(const std::vector<Msg>& msgs) {
  std::string sys;
  bool first = true;
  for (const Msg& m : msgs) {
    if (m.role != "system") continue;
    if (!first) sys += "\n\n";
    sys += content(m);
    first = false;
  }
  return sys;
}

const Json* tool_calls(const Msg& m) {
  auto it = m.json->find("tool_calls");
  if (it == m.json->end() || it->is_null()) return nullptr;
  if (!it->is_array()) throw Error(m.where + ": \"tool_calls\" must be an array");
  return &*it;
}

Call read_call(const Msg& m, size_t k, bool need_type) {
  const Json& c = (*tool_calls(m))[k];
  const std::string where = m.where + ".tool_calls[" + std::to_string(k) + "]";
  if (!c.is_object()) throw Error(where + " must be a JSON object");
  Call out;
  if (need_type) out.type = string_field(c, "type", where);
  auto f = c.find("function");
  if (f == c.end() || !f->is_object()) throw Error(where + " has no \"function\" object");
  out.name = string_field(*f, "name", where + ".function");
  out.arguments = string_field(*f, "arguments", where + ".function");
  return out;
}

}  // namespace dseek::chat::v3::detail
