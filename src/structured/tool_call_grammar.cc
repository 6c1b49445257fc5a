#include "structured/tool_call_grammar.h"

#include <algorithm>
#include <bitset>
#include <optional>
#include <set>
#include <vector>

#include "chat/literals.h"
#include "grammar/builder.h"
#include "grammar/json_rules.h"
#include "grammar/schema_rules.h"
#include "runtime/error.h"

namespace dseek::structured {

namespace {

using Json = nlohmann::ordered_json;
using grammar::Builder;
using grammar::Elem;
using grammar::Seq;
using grammar::SchemaError;

// A parameter written as raw text (string="true"): its allowed values, or its length bounds
// in code points.
struct RawSpec {
  std::vector<std::string> values;  // non-empty: exactly one of these
  uint64_t min = 0;
  std::optional<uint64_t> max;
};

std::optional<uint64_t> length(const Json& s, const char* key, bool& bad) {
  auto it = s.find(key);
  if (it == s.end()) return std::nullopt;
  if (it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0)) return it->get<uint64_t>();
  bad = true;  // the schema compiler reports it
  return std::nullopt;
}

// `s` as raw text when it admits strings and nothing else (type "string", or an enum/const
// of strings), following local $refs in `root`; nullopt otherwise (also for anything the
// schema compiler should report: it compiles those instead).
std::optional<RawSpec> raw_spec(const Json& root, const Json& s, int depth = 0) {
  if (!s.is_object() || depth > 16) return std::nullopt;
  if (auto r = s.find("$ref"); r != s.end()) {
    for (const auto& [k, _] : s.items())
      if (k != "$ref" && !grammar::is_annotation(k)) return std::nullopt;
    if (!r->is_string() || r->get<std::string>().empty() || r->get<std::string>()[0] != '#') return std::nullopt;
    try {
      nlohmann::json_pointer<std::string> jp(r->get<std::string>().substr(1));
      if (!root.contains(jp)) return std::nullopt;
      return raw_spec(root, root.at(jp), depth + 1);
    } catch (const nlohmann::json::exception&) {
      return std::nullopt;
    }
  }
  for (const auto& [k, _] : s.items())
    if (!grammar::is_annotation(k) && k != "type" && k != "enum" && k != "const" && k != "minLength" && k != "maxLength")
      return std::nullopt;
  bool typed = false;
  if (auto t = s.find("type"); t != s.end()) {
    const bool one = t->is_string() && *t == "string";
    const bool list = t->is_array() && !t->empty() && std::all_of(t->begin(), t->end(), [](const Json& x) { return x == "string"; });
    if (!one && !list) return std::nullopt;
    typed = true;
  }
  RawSpec spec;
  std::vector<Json> values;
  if (auto e = s.find("enum"); e != s.end()) {
    if (!e->is_array()) return std::nullopt;
    values.assign(e->begin(), e->end());
  }
  if (auto c = s.find("const"); c != s.end()) {
    if (s.contains("enum") && std::find(values.begin(), values.end(), *c) == values.end()) return std::nullopt;
    values = {*c};
  }
  if (s.contains("enum") || s.contains("const")) {
    for (const auto& v : values) {
      if (v.is_string()) spec.values.push_back(v.get<std::string>());
      else if (!typed) return std::nullopt;  // a non-string value is allowed: JSON spelling
    }
    if (spec.values.empty()) return std::nullopt;
    return spec;
  }
  if (!typed) return std::nullopt;
  bool bad = false;
  spec.min = length(s, "minLength", bad).value_or(0);
  spec.max = length(s, "maxLength", bad);
  if (bad || (spec.max && spec.min > *spec.max)) return std::nullopt;
  return spec;
}

class DsmlBuilder {
 public:
  DsmlBuilder() : b_(grammar::Limits{}), j_(b_) {}

  std::shared_ptr<const grammar::Grammar> run(const ToolCallRules& rules);

 private:
  // One UTF-8 code point: ASCII bytes from `ascii`, any well-formed multi-byte sequence but
  // U+FF5C (EF BD 9C), the "｜" of every DSML tag.
  uint32_t utf8_char(const std::bitset<256>& ascii);
  uint32_t raw_char();
  uint32_t raw_text(uint64_t min, std::optional<uint64_t> max);
  uint32_t raw_value(const RawSpec& spec);
  // `<｜DSML｜parameter name="` + name + `" string="` + (true|false) + `">` value `</｜DSML｜parameter>`
  Seq param(Seq name, bool is_string, uint32_t value);
  uint32_t free_name();
  uint32_t free_param();
  // The parameters after an invoke header's ">\n" through "</｜DSML｜invoke>": `props` in
  // order (required ones present), then any number of `extra` when given.
  struct Prop {
    std::vector<Seq> alts;  // the whole parameter element
    bool required;
  };
  uint32_t params(const std::vector<Prop>& props, std::optional<uint32_t> extra);
  uint32_t strict_params(const Json& parameters, const std::string& field);

  Builder b_;
  grammar::JsonRules j_;
  std::optional<uint32_t> raw_char_, free_raw_, free_name_, free_param_, free_params_;
  std::vector<std::string> ignored_;
};

uint32_t DsmlBuilder::utf8_char(const std::bitset<256>& ascii) {
  const Elem cont = b_.range(0x80, 0xBF);
  std::vector<Seq> alts{{b_.set(ascii)}};
  alts.push_back({b_.range(0xC2, 0xDF), cont});
  alts.push_back({b_.byte(0xE0), b_.range(0xA0, 0xBF), cont});
  alts.push_back({b_.range(0xE1, 0xEC), cont, cont});
  alts.push_back({b_.byte(0xED), b_.range(0x80, 0x9F), cont});
  alts.push_back({b_.byte(0xEE), cont, cont});
  std::bitset<256> ef_second;
  for (int c = 0x80; c <= 0xBF; ++c) ef_second.set(c);
  ef_second.reset(0xBD);
  alts.push_back({b_.byte(0xEF), b_.set(ef_second), cont});
  std::bitset<256> bd_third;
  for (int c = 0x80; c <= 0xBF; ++c) bd_third.set(c);
  bd_third.reset(0x9C);
  alts.push_back({b_.byte(0xEF), b_.byte(0xBD), b_.set(bd_third)});
  alts.push_back({b_.byte(0xF0), b_.range(0x90, 0xBF), cont, cont});
  alts.push_back({b_.range(0xF1, 0xF3), cont, cont, cont});
  alts.push_back({b_.byte(0xF4), b_.range(0x80, 0x8F), cont, cont});
  return b_.rule(std::move(alts));
}

uint32_t DsmlBuilder::raw_char() {
  if (!raw_char_) {
    std::bitset<256> ascii;
    for (int c = 1; c < 0x80; ++c) ascii.set(c);
    raw_char_ = utf8_char(ascii);
  }
  return *raw_char_;
}

uint32_t DsmlBuilder::raw_text(uint64_t min, std::optional<uint64_t> max) {
  const bool free = min == 0 && !max;
  if (free && free_raw_) return *free_raw_;
  const Elem ch = Builder::ref(raw_char());
  uint32_t tail;
  if (!max) {
    tail = b_.new_rule();  // T = "" | char T (right recursion: the stack does not grow)
    b_.add_alt(tail, {});
    b_.add_alt(tail, {ch, Builder::ref(tail)});
  } else {
    if (*max > b_.limits().max_elements)
      throw SchemaError("schema too large: maxLength " + std::to_string(*max) + " exceeds the grammar size limit");
    tail = b_.rule({{}});
    for (uint64_t k = min; k < *max; ++k) tail = b_.rule({{}, {ch, Builder::ref(tail)}});
  }
  if (min > b_.limits().max_elements)
    throw SchemaError("schema too large: minLength " + std::to_string(min) + " exceeds the grammar size limit");
  Seq s(min, ch);
  s.push_back(Builder::ref(tail));
  const uint32_t r = b_.rule({std::move(s)});
  if (free) free_raw_ = r;
  return r;
}

uint32_t DsmlBuilder::raw_value(const RawSpec& spec) {
  if (spec.values.empty()) return raw_text(spec.min, spec.max);
  std::vector<Seq> alts;
  for (const auto& v : spec.values) alts.push_back(b_.lit(v));
  return b_.rule(std::move(alts));
}

Seq DsmlBuilder::param(Seq name, bool is_string, uint32_t value) {
  Seq s = b_.lit(std::string(chat::lit::kParamStart) + " name=\"");
  s.insert(s.end(), name.begin(), name.end());
  b_.lit(s, is_string ? "\" string=\"true\">" : "\" string=\"false\">");
  s.push_back(Builder::ref(value));
  b_.lit(s, chat::lit::kParamEnd);
  return s;
}

uint32_t DsmlBuilder::free_name() {
  if (free_name_) return *free_name_;
  // Printable, without the quote that ends a name or the tag brackets; at least one character.
  std::bitset<256> ascii;
  for (int c = 0x20; c < 0x7F; ++c) ascii.set(c);
  for (char c : std::string("\"<>")) ascii.reset(static_cast<uint8_t>(c));
  const uint32_t ch = utf8_char(ascii);
  const uint32_t more = b_.new_rule();
  b_.add_alt(more, {});
  b_.add_alt(more, {Builder::ref(ch), Builder::ref(more)});
  free_name_ = b_.rule({{Builder::ref(ch), Builder::ref(more)}});
  return *free_name_;
}

uint32_t DsmlBuilder::free_param() {
  if (free_param_) return *free_param_;
  const Seq name{Builder::ref(free_name())};
  free_param_ = b_.rule({param(name, true, raw_text(0, std::nullopt)), param(name, false, j_.any_value())});
  return *free_param_;
}

uint32_t DsmlBuilder::params(const std::vector<Prop>& props, std::optional<uint32_t> extra) {
  const std::string end = std::string(chat::lit::kInvokeEnd) + ">";
  // N: something written; E: nothing yet (the encoder writes an empty line then, the parser
  // also takes none). Each parameter is followed by "\n".
  uint32_t n = b_.new_rule();
  b_.add_alt(n, b_.lit(end));
  if (extra) b_.add_alt(n, {Builder::ref(*extra), b_.byte('\n'), Builder::ref(n)});
  std::vector<Seq> e_alts{b_.lit("\n" + end), b_.lit(end)};
  if (extra) e_alts.push_back({Builder::ref(*extra), b_.byte('\n'), Builder::ref(n)});
  uint32_t e = b_.rule(std::move(e_alts));
  for (size_t i = props.size(); i-- > 0;) {
    const uint32_t p = b_.rule(props[i].alts);
    std::vector<Seq> ea{{Builder::ref(p), b_.byte('\n'), Builder::ref(n)}}, na{{Builder::ref(p), b_.byte('\n'), Builder::ref(n)}};
    if (!props[i].required) {
      ea.push_back({Builder::ref(e)});
      na.push_back({Builder::ref(n)});
    }
    e = b_.rule(std::move(ea));
    n = b_.rule(std::move(na));
  }
  return e;
}

uint32_t DsmlBuilder::strict_params(const Json& ps, const std::string& field) {
  if (ps.is_null()) return params({}, std::nullopt);
  if (!ps.is_object()) throw SchemaError(field + " must be a JSON Schema object");
  for (const auto& [k, v] : ps.items()) {
    if (grammar::is_annotation(k) || k == "properties" || k == "required" || k == "additionalProperties") continue;
    if (k == "type" && v == "object") continue;
    throw SchemaError(field + ": keyword '" + k + "' at '#' is unsupported for a strict tool's parameters (an object "
                      "schema with 'properties', 'required' and 'additionalProperties')");
  }
  grammar::Options opt;  // strict: an unsupported keyword is refused
  grammar::SchemaRules sr(b_, j_, ps, opt);
  try {
    std::vector<Prop> props;
    std::vector<std::string> names;
    if (auto it = ps.find("properties"); it != ps.end()) {
      if (!it->is_object()) throw SchemaError("'properties' must be an object at '#/properties'");
      for (const auto& [k, v] : it->items()) {
        const Seq name = b_.lit(k);
        Prop p{{}, false};
        if (auto raw = raw_spec(ps, v)) p.alts.push_back(param(name, true, raw_value(*raw)));
        else p.alts.push_back(param(name, false, sr.at("/properties/" + grammar::escape_pointer(k))));
        props.push_back(std::move(p));
        names.push_back(k);
      }
    }
    if (auto it = ps.find("required"); it != ps.end()) {
      if (!it->is_array()) throw SchemaError("'required' must be an array of strings at '#/required'");
      for (const auto& k : *it) {
        auto pos = k.is_string() ? std::find(names.begin(), names.end(), k.get<std::string>()) : names.end();
        if (pos == names.end())
          throw SchemaError("required key " + k.dump() + " is not in 'properties' (unsupported) at '#/required'");
        props[pos - names.begin()].required = true;
      }
    }
    // additionalProperties as the schema compiler reads it: absent means false when
    // properties are declared (OpenAI's strict mode), true otherwise.
    std::optional<uint32_t> extra;
    auto ap = ps.find("additionalProperties");
    if (ap == ps.end() ? !ps.contains("properties") : (ap->is_boolean() && ap->get<bool>())) {
      extra = free_param();
    } else if (ap != ps.end() && !ap->is_boolean()) {
      const Seq name{Builder::ref(free_name())};
      std::vector<Seq> alts;
      if (auto raw = raw_spec(ps, *ap)) alts.push_back(param(name, true, raw_value(*raw)));
      else alts.push_back(param(name, false, sr.at("/additionalProperties")));
      extra = b_.rule(std::move(alts));
    }
    return params(props, extra);
  } catch (const SchemaError& e) {
    throw SchemaError(field + ": " + e.what());
  }
}

std::shared_ptr<const grammar::Grammar> DsmlBuilder::run(const ToolCallRules& rules) {
  std::vector<Seq> invokes;
  bool found_only = rules.only.empty();
  for (size_t i = 0; i < rules.tools.size(); ++i) {
    const Json& f = rules.tools[i].at("function");
    const std::string name = f.at("name").get<std::string>();
    if (!rules.only.empty() && name != rules.only) continue;
    found_only = true;
    const bool strict = f.contains("strict") && f["strict"].is_boolean() && f["strict"].get<bool>();
    uint32_t body;
    if (strict) {
      const Json params = f.contains("parameters") ? f["parameters"] : Json();
      body = strict_params(params, "tools[" + std::to_string(i) + "].function.parameters");
    } else {
      if (!free_params_) free_params_ = params({}, free_param());
      body = *free_params_;
    }
    Seq inv = b_.lit(std::string(chat::lit::kInvokeStart) + " name=\"" + name + "\">\n");
    inv.push_back(Builder::ref(body));
    invokes.push_back(std::move(inv));
  }
  if (!found_only) throw Error("the tool \"" + rules.only + "\" is not offered");
  if (invokes.empty()) throw Error("no tools are offered: a tool call cannot be constrained");
  const uint32_t invoke = b_.rule(std::move(invokes));
  uint32_t calls;
  if (rules.parallel) {
    const uint32_t more = b_.new_rule();
    b_.add_alt(more, {});
    b_.add_alt(more, {Builder::ref(invoke), b_.byte('\n'), Builder::ref(more)});
    calls = b_.rule({{Builder::ref(invoke), b_.byte('\n'), Builder::ref(more)}});
  } else {
    calls = b_.rule({{Builder::ref(invoke), b_.byte('\n')}});
  }
  Seq block = b_.lit(std::string(chat::lit::kOpener) + ">\n");
  block.push_back(Builder::ref(calls));
  b_.lit(block, chat::lit::kCallsClose);
  return b_.finish(b_.rule({std::move(block)}), ignored_);
}

}  // namespace

std::shared_ptr<const grammar::Grammar> tool_call_grammar(const ToolCallRules& rules) {
  return DsmlBuilder().run(rules);
}

bool any_strict_tool(const nlohmann::ordered_json& tools) {
  if (!tools.is_array()) return false;
  for (const auto& t : tools) {
    if (!t.is_object() || !t.contains("function") || !t["function"].is_object()) continue;
    const auto& f = t["function"];
    if (f.contains("strict") && f["strict"].is_boolean() && f["strict"].get<bool>()) return true;
  }
  return false;
}

}  // namespace dseek::structured
