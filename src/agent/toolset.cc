#include "agent/toolset.h"

#include <algorithm>
#include <sstream>

#include "agent/builtin_tools.h"
#include "agent/text.h"
#include "runtime/error.h"

namespace dseek::agent {

namespace {

bool has_type(const Json& v, const std::string& t) {
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<long long>(v.get<double>())));
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "array") return v.is_array();
  if (t == "object") return v.is_object();
  if (t == "null") return v.is_null();
  return true;  // a type this check does not know: accept
}

std::string type_name(const Json& v) {
  if (v.is_string()) return "a string";
  if (v.is_number()) return "a number";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

}  // namespace

std::string check_arguments(const Json& parameters, const Json& args, bool strict) {
  if (!args.is_object()) return "the arguments must be a JSON object, got " + type_name(args);
  const Json props = parameters.is_object() && parameters.contains("properties") && parameters["properties"].is_object()
                         ? parameters["properties"]
                         : Json::object();
  if (parameters.is_object() && parameters.contains("required") && parameters["required"].is_array())
    for (const auto& r : parameters["required"])
      if (r.is_string() && !args.contains(r.get<std::string>()))
        return "missing required argument \"" + r.get<std::string>() + "\"";
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (!props.contains(it.key())) {
      bool extra_ok = !strict && !(parameters.contains("additionalProperties") && parameters["additionalProperties"] == false);
      if (!extra_ok) {
        std::string known;
        for (auto p = props.begin(); p != props.end(); ++p) known += (known.empty() ? "" : ", ") + p.key();
        return "unknown argument \"" + it.key() + "\" (expected: " + known + ")";
      }
      continue;
    }
    const Json& spec = props[it.key()];
    if (!spec.is_object()) continue;
    if (spec.contains("type")) {
      const Json& t = spec["type"];
      bool ok = false;
      std::string want;
      if (t.is_string()) {
        ok = has_type(it.value(), t.get<std::string>());
        want = t.get<std::string>();
      } else if (t.is_array()) {
        for (const auto& x : t)
          if (x.is_string()) {
            ok = ok || has_type(it.value(), x.get<std::string>());
            want += (want.empty() ? "" : " or ") + x.get<std::string>();
          }
      } else {
        ok = true;
      }
      if (!ok) return "argument \"" + it.key() + "\" must be " + want + ", got " + type_name(it.value());
    }
    if (spec.contains("enum") && spec["enum"].is_array() &&
        std::find(spec["enum"].begin(), spec["enum"].end(), it.value()) == spec["enum"].end())
      return "argument \"" + it.key() + "\" must be one of " + spec["enum"].dump();
  }
  return "";
}

std::vector<std::unique_ptr<Tool>> builtin_tools(const ToolContext& c) {
  std::vector<std::unique_ptr<Tool>> v;
  v.push_back(make_calculator_tool(c));
  v.push_back(make_write_file_tool(c));
  v.push_back(make_read_file_tool(c));
  v.push_back(make_bash_tool(c));
  v.push_back(make_edit_file_tool(c));
  v.push_back(make_list_dir_tool(c));
  return v;
}

void ToolSet::add(std::unique_ptr<Tool> tool) {
  if (has(tool->name())) throw Error("two tools are named \"" + tool->name() + "\"");
  tools_.push_back(std::move(tool));
}

bool ToolSet::has(const std::string& name) const {
  return std::any_of(tools_.begin(), tools_.end(), [&](const auto& t) { return t->name() == name; });
}

std::vector<std::string> ToolSet::names() const {
  std::vector<std::string> n;
  for (const auto& t : tools_) n.push_back(t->name());
  return n;
}

Json ToolSet::schemas() const {
  Json a = Json::array();
  for (const auto& t : tools_) a.push_back(t->schema());
  return a;
}

void ToolSet::select(const std::string& csv) {
  std::vector<std::string> want;
  std::stringstream ss(csv);
  for (std::string item; std::getline(ss, item, ',');) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    if (!has(item)) {
      std::string all;
      for (const auto& n : names()) all += (all.empty() ? "" : ", ") + n;
      throw Error("--tools: unknown tool \"" + item + "\" (available: " + all + ")");
    }
    want.push_back(item);
  }
  std::erase_if(tools_, [&](const auto& t) { return std::find(want.begin(), want.end(), t->name()) == want.end(); });
}

PreparedCall ToolSet::prepare(const std::string& name, const std::string& arguments) const {
  PreparedCall c;
  auto it = std::find_if(tools_.begin(), tools_.end(), [&](const auto& t) { return t->name() == name; });
  if (it == tools_.end()) {
    std::string all;
    for (const auto& n : names()) all += (all.empty() ? "" : ", ") + n;
    c.error = "unknown tool \"" + name + "\"; the available tools are: " + all;
    return c;
  }
  try {
    c.args = arguments.empty() ? Json::object() : Json::parse(arguments);
  } catch (const std::exception& e) {
    c.error = "the arguments of " + name + " are not valid JSON: " + e.what();
    return c;
  }
  std::string why = check_arguments((*it)->parameters(), c.args, (*it)->strict());
  if (!why.empty()) {
    c.error = "invalid arguments for " + name + ": " + why;
    return c;
  }
  c.tool = it->get();
  return c;
}

ToolResult ToolSet::run(const PreparedCall& call, size_t max_bytes) const {
  ToolResult r;
  if (!call.tool) {
    r = {"error: " + call.error, true};
  } else {
    try {
      r = call.tool->run(call.args);
    } catch (const ToolError& e) {
      r = {std::string("error: ") + e.what(), true};
    } catch (const std::exception& e) {
      r = {call.tool->name() + " failed: " + e.what(), true};
    }
  }
  r.content = cap_text(sanitize_utf8(r.content), max_bytes);
  return r;
}

}  // namespace dseek::agent
