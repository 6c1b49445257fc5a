// Tools block and DSML tool calls of the V4 prompt.
#include "chat/v4/dsml_render.h"

#include "chat/literals.h"
#include "chat/v4/literals.h"
#include "runtime/error.h"

namespace dseek::chat::v4::detail {
namespace {

std::string parameter(const std::string& key, bool is_string, const std::string& value) {
  std::string out(chat::lit::kParamStart);
  out += " name=\"" + key + "\" string=\"" + (is_string ? "true" : "false") + "\">";
  out += value;
  out += chat::lit::kParamEnd;
  return out;
}

// encode_arguments_to_dsml: the parameter lines of one call.
std::string parameters(const Json& args, const std::string& where) {
  if (!args.is_string()) return parameter("arguments", false, py_dumps(args));
  const std::string& text = args.get_ref<const std::string&>();
  PyValue decoded;
  try {
    decoded = py_loads(text);
  } catch (const Error&) {
    return parameter("arguments", true, text);  // not JSON: passed as one string parameter
  }
  if (decoded.kind != PyValue::Kind::Object) {
    throw Error(where + ": function.arguments must be the JSON text of an object (or text that is not JSON)");
  }
  std::string out;
  for (size_t k = 0; k < decoded.members.size(); ++k) {
    const auto& [key, value] = decoded.members[k];
    if (k) out += '\n';
    bool is_string = value.kind == PyValue::Kind::String;
    out += parameter(key, is_string, is_string ? value.text : py_dumps(value));
  }
  return out;
}

std::string invoke(const Json& call, const std::string& where) {
  if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) {
    throw Error(where + " must be {\"type\": \"function\", \"function\": {\"name\", \"arguments\"}}");
  }
  const Json& fn = call["function"];
  auto name = fn.find("name");
  if (name == fn.end() || !name->is_string()) throw Error(where + ": function.name must be a string");
  auto args = fn.find("arguments");
  if (args == fn.end()) throw Error(where + ": function.arguments is missing");

  std::string out(chat::lit::kInvokeStart);
  out += " name=\"" + name->get<std::string>() + "\">\n";
  out += parameters(*args, where);
  out += '\n';
  out += chat::lit::kInvokeEnd;
  out += '>';
  return out;
}

}  // namespace

std::string render_tools(const Json& tools, const std::string& where) {
  if (!tools.is_array()) throw Error(where + ": \"tools\" must be an array");
  std::string out(lit::kToolsBlockPrefix);
  for (size_t t = 0; t < tools.size(); ++t) {
    const Json& tool = tools[t];
    if (!tool.is_object() || !tool.contains("function")) {
      throw Error(where + ": tools[" + std::to_string(t) + "] must be {\"type\": \"function\", \"function\": {...}}");
    }
    if (t) out += '\n';
    out += py_dumps(tool["function"]);
  }
  out += lit::kToolsBlockSuffix;
  return out;
}

std::string render_tool_calls(const Json& calls, const std::string& where) {
  if (!calls.is_array()) throw Error(where + ": \"tool_calls\" must be an array");
  std::string out = "\n\n";
  out += lit::kCallsOpen;
  out += '\n';
  for (size_t k = 0; k < calls.size(); ++k) {
    if (k) out += '\n';
    out += invoke(calls[k], where + ".tool_calls[" + std::to_string(k) + "]");
  }
  out += '\n';
  out += lit::kCallsClose;
  return out;
}

}  // namespace dseek::chat::v4::detail
