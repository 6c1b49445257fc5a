// JSON Schema -> Grammar. One rule per schema node; $ref targets get one rule each, created
// before their body so recursive schemas refer back to it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "grammar/builder.h"
#include "grammar/format_rules.h"
#include "grammar/pattern_rules.h"
#include "grammar/json_rules.h"
#include "grammar/schema_rules.h"

namespace dseek::grammar {

namespace {

using Json = nlohmann::ordered_json;

const std::set<std::string> kSupported = {
    "type",  "properties", "required", "additionalProperties", "items",     "prefixItems",      "minItems",
    "maxItems", "enum",    "const",    "anyOf",                "oneOf",     "allOf",            "$ref",
    "minLength", "maxLength", "minimum", "maximum",            "exclusiveMinimum", "exclusiveMaximum", "nullable",
    "format", "pattern"};
const std::set<std::string> kTypes = {"string", "integer", "number", "boolean", "null", "object", "array"};

std::string at(const std::string& ptr) { return " at '#" + ptr + "'"; }

}  // namespace

bool is_annotation(const std::string& keyword) {
  static const std::set<std::string> kAnnotations = {"title",   "description", "default",    "examples", "$schema",
                                                     "$id",     "$comment",    "deprecated", "readOnly", "writeOnly",
                                                     "$defs",   "definitions"};
  return kAnnotations.count(keyword) > 0;
}

std::string escape_pointer(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// One schema document compiled into a Builder's rules: the root value, or (SchemaRules) any
// node of it, nested in a grammar assembled elsewhere.
class Compiler {
 public:
  Compiler(const Json& root, const Options& opt, Builder& b, JsonRules& j) : root_(root), opt_(opt), b_(b), j_(j) {}

  uint32_t root() { return node(root_, "", 0); }
  // The node at JSON pointer `ptr` (e.g. "/properties/x"), as a value that follows a byte.
  uint32_t at_pointer(const std::string& ptr) {
    const Json* body = nullptr;
    try {
      nlohmann::json_pointer<std::string> jp(ptr);
      if (root_.contains(jp)) body = &root_.at(jp);
    } catch (const nlohmann::json::exception&) {
    }
    if (!body) throw SchemaError("nothing at JSON pointer '#" + ptr + "'");
    return nested(*body, ptr, 1);
  }
  const std::vector<std::string>& ignored() const { return ignored_; }

 private:
  uint32_t node(const Json& s, const std::string& ptr, int depth);
  uint32_t ref(const Json& target, const std::string& ptr, int depth);
  uint32_t literals(const Json& s, const std::vector<std::string>& types, const std::string& ptr);
  uint32_t typed(const std::string& type, const Json& s, const std::string& ptr, int depth);
  uint32_t integer(const Json& s, const std::string& ptr);
  uint32_t object(const Json& s, const std::string& ptr, int depth);
  uint32_t array(const Json& s, const std::string& ptr, int depth);

  // A value nested inside an object or array: it starts after a byte, so $ref cycles through
  // it are fine (bare_refs_ tracks only refs reached without consuming input).
  uint32_t nested(const Json& s, const std::string& ptr, int depth) {
    std::vector<std::string> saved;
    saved.swap(bare_refs_);
    uint32_t r = node(s, ptr, depth);
    bare_refs_.swap(saved);
    return r;
  }

  // Unsupported use of a supported keyword: refused when strict, else noted and skipped.
  void unsupported(const std::string& what, const std::string& ptr) {
    if (opt_.strict) throw SchemaError(what + at(ptr));
    ignored_.push_back(what + at(ptr));
  }

  std::optional<uint64_t> count(const Json& s, const char* key, const std::string& ptr) {
    auto it = s.find(key);
    if (it == s.end()) return std::nullopt;
    if (it->is_number_unsigned() || (it->is_number_integer() && it->template get<int64_t>() >= 0))
      return it->template get<uint64_t>();
    if (it->is_number_float() && it->template get<double>() >= 0 && std::floor(it->template get<double>()) == it->template get<double>() &&
        it->template get<double>() < 1.8e19)
      return static_cast<uint64_t>(it->template get<double>());
    throw SchemaError(std::string("'") + key + "' must be a non-negative integer" + at(ptr + "/" + key));
  }

  std::vector<std::string> types_of(const Json& s, const std::string& ptr);

  const Json& root_;
  Options opt_;
  Builder& b_;
  JsonRules& j_;
  std::vector<std::string> ignored_;
  std::map<std::string, uint32_t> refs_;  // $ref string -> its rule
  std::vector<std::string> bare_refs_;    // refs entered since the last byte (cycle check)
};

uint32_t Compiler::node(const Json& s, const std::string& ptr, int depth) {
  if (depth > opt_.limits.max_schema_depth)
    throw SchemaError("schema nested deeper than " + std::to_string(opt_.limits.max_schema_depth) + " levels" + at(ptr));
  if (s.is_boolean()) {
    if (s.get<bool>()) return j_.any_value();
    throw SchemaError("schema 'false' admits no value" + at(ptr));
  }
  if (!s.is_object()) throw SchemaError("a schema must be an object or a boolean" + at(ptr));
  std::vector<std::string> structural;
  for (const auto& [k, v] : s.items()) {
    if (is_annotation(k)) continue;
    if (kSupported.count(k)) {
      if (k != "nullable") structural.push_back(k);
      continue;
    }
    unsupported("unsupported JSON Schema keyword '" + k + "'", ptr);
  }
  const bool nullable = s.contains("nullable") && s["nullable"].is_boolean() && s["nullable"].get<bool>();
  if (s.contains("nullable") && !s["nullable"].is_boolean())
    throw SchemaError("'nullable' must be a boolean" + at(ptr + "/nullable"));

  // $ref and the combinators stand alone (besides annotations and nullable).
  for (const char* whole : {"$ref", "anyOf", "oneOf", "allOf"}) {
    if (!s.contains(whole)) continue;
    for (const auto& k : structural) {
      if (k != whole) unsupported(std::string("keyword '") + k + "' beside '" + whole + "' is unsupported", ptr);
    }
    uint32_t r;
    if (std::string(whole) == "$ref") {
      r = ref(s["$ref"], ptr + "/$ref", depth);
    } else {
      const Json& list = s[whole];
      if (!list.is_array() || list.empty())
        throw SchemaError(std::string("'") + whole + "' must be a non-empty array of schemas" + at(ptr + "/" + whole));
      if (std::string(whole) == "allOf" && list.size() > 1) {
        unsupported("'allOf' with more than one schema is unsupported", ptr);
      }
      const size_t n = std::string(whole) == "allOf" ? 1 : list.size();
      r = b_.new_rule();
      // oneOf is compiled as anyOf: a value matching two branches is not excluded.
      for (size_t i = 0; i < n; ++i)
        b_.add_alt(r, {Builder::ref(node(list[i], ptr + "/" + whole + "/" + std::to_string(i), depth + 1))});
    }
    if (nullable) r = b_.rule({{Builder::ref(r)}, {Builder::ref(j_.null())}});
    return r;
  }

  std::vector<std::string> types = types_of(s, ptr);
  if (nullable && std::find(types.begin(), types.end(), "null") == types.end()) types.push_back("null");
  if (s.contains("enum") || s.contains("const")) return literals(s, types, ptr);
  if (types.empty()) return j_.any_value();
  uint32_t r = b_.new_rule();
  for (const auto& t : types) b_.add_alt(r, {Builder::ref(typed(t, s, ptr, depth))});
  return r;
}

std::vector<std::string> Compiler::types_of(const Json& s, const std::string& ptr) {
  std::vector<std::string> types;
  auto it = s.find("type");
  if (it == s.end()) {
    // No type: infer it from the keywords that constrain only one type.
    auto any = [&](std::initializer_list<const char*> keys) {
      return std::any_of(keys.begin(), keys.end(), [&](const char* k) { return s.contains(k); });
    };
    if (any({"properties", "required", "additionalProperties"})) types.push_back("object");
    if (any({"items", "prefixItems", "minItems", "maxItems"})) types.push_back("array");
    if (any({"minLength", "maxLength", "format", "pattern"})) types.push_back("string");
    if (any({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) types.push_back("number");
    return types;
  }
  if (it->is_string()) {
    types.push_back(it->get<std::string>());
  } else if (it->is_array() && !it->empty()) {
    for (const auto& t : *it) {
      if (!t.is_string()) throw SchemaError("'type' must be a string or an array of strings" + at(ptr + "/type"));
      types.push_back(t.get<std::string>());
    }
  } else {
    throw SchemaError("'type' must be a string or a non-empty array of strings" + at(ptr + "/type"));
  }
  for (const auto& t : types) {
    if (!kTypes.count(t)) throw SchemaError("unknown type '" + t + "'" + at(ptr + "/type"));
  }
  std::sort(types.begin(), types.end());
  types.erase(std::unique(types.begin(), types.end()), types.end());
  return types;
}

uint32_t Compiler::ref(const Json& target, const std::string& ptr, int depth) {
  if (!target.is_string()) throw SchemaError("'$ref' must be a string" + at(ptr));
  const std::string r = target.get<std::string>();
  if (r.empty() || r[0] != '#') throw SchemaError("only local '$ref' ('#/...') is supported, got '" + r + "'" + at(ptr));
  if (std::find(bare_refs_.begin(), bare_refs_.end(), r) != bare_refs_.end())
    throw SchemaError("'$ref' '" + r + "' refers to itself without nesting (left recursion)" + at(ptr));
  if (auto it = refs_.find(r); it != refs_.end()) return it->second;
  const Json* body = nullptr;
  try {
    nlohmann::json_pointer<std::string> jp(r.substr(1));
    if (root_.contains(jp)) body = &root_.at(jp);
  } catch (const nlohmann::json::exception&) {
  }
  if (!body) throw SchemaError("'$ref' '" + r + "' does not resolve" + at(ptr));
  const uint32_t rule = b_.new_rule();
  refs_[r] = rule;
  bare_refs_.push_back(r);
  const uint32_t t = node(*body, r.substr(1), depth + 1);
  bare_refs_.pop_back();
  b_.add_alt(rule, {Builder::ref(t)});
  return rule;
}

namespace {
bool has_type(const Json& v, const std::string& t) {
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "object") return v.is_object();
  return v.is_array();
}
}  // namespace

uint32_t Compiler::literals(const Json& s, const std::vector<std::string>& types, const std::string& ptr) {
  std::vector<Json> values;
  if (s.contains("enum")) {
    if (!s["enum"].is_array()) throw SchemaError("'enum' must be an array" + at(ptr + "/enum"));
    for (const auto& v : s["enum"]) values.push_back(v);
    if (values.empty()) throw SchemaError("'enum' is empty: no value satisfies it" + at(ptr + "/enum"));
  }
  if (s.contains("const")) {
    if (s.contains("enum") && std::find(values.begin(), values.end(), s["const"]) == values.end())
      throw SchemaError("'const' is not among the 'enum' values: no value satisfies both" + at(ptr));
    values = {s["const"]};
  }
  std::set<std::string> texts;
  for (const auto& v : values) {
    bool typed_ok = types.empty() || std::any_of(types.begin(), types.end(), [&](const auto& t) { return has_type(v, t); });
    if (typed_ok) texts.insert(JsonRules::canonical(v));
  }
  if (texts.empty()) throw SchemaError("no 'enum'/'const' value has the schema's 'type'" + at(ptr));
  uint32_t r = b_.new_rule();
  for (const auto& t : texts) b_.add_alt(r, b_.lit(t));
  return r;
}

uint32_t Compiler::typed(const std::string& type, const Json& s, const std::string& ptr, int depth) {
  if (type == "string") {
    if (auto p = s.find("pattern"); p != s.end()) {  // (on other types `pattern` asserts nothing)
      if (!p->is_string()) throw SchemaError("'pattern' must be a string" + at(ptr + "/pattern"));
      const std::string regex = p->get<std::string>();
      try {
        check_pattern(regex);  // an unsupported construct is named first, beside a length or not
        if (!s.contains("format") && !s.contains("minLength") && !s.contains("maxLength")) return pattern_string(b_, j_, regex);
        unsupported("'pattern' beside 'format'/'minLength'/'maxLength' is unsupported", ptr);
      } catch (const PatternError& e) {
        unsupported(e.what(), ptr + "/pattern");
      }
    }
    if (auto f = s.find("format"); f != s.end()) {  // (on other types `format` asserts nothing)
      if (!f->is_string()) throw SchemaError("'format' must be a string" + at(ptr + "/format"));
      const std::string name = f->get<std::string>();
      if (s.contains("minLength") || s.contains("maxLength")) {
        unsupported("'format' beside 'minLength'/'maxLength' is unsupported", ptr);
      } else if (auto r = format_string(b_, name)) {
        return *r;
      } else {
        unsupported("unsupported 'format' '" + name + "' (supported: " + std::string(kStringFormats) + ")", ptr);
      }
    }
    uint64_t min = count(s, "minLength", ptr).value_or(0);
    std::optional<uint64_t> max = count(s, "maxLength", ptr);
    if (max && min > *max) throw SchemaError("'minLength' > 'maxLength': no string satisfies both" + at(ptr));
    return j_.string(min, max);
  }
  if (type == "integer") return integer(s, ptr);
  if (type == "number") {
    for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
      if (s.contains(k)) unsupported(std::string("'") + k + "' on type 'number' is unsupported (integers only)", ptr);
    }
    return j_.number();
  }
  if (type == "boolean") return j_.boolean();
  if (type == "null") return j_.null();
  if (type == "object") return object(s, ptr, depth);
  return array(s, ptr, depth);
}

uint32_t Compiler::integer(const Json& s, const std::string& ptr) {
  // Bounds in long double, clamped to what int64 holds; absent ones fall back to 18 digits.
  const long double kMax = static_cast<long double>(std::numeric_limits<int64_t>::max());
  long double lo = -kMax, hi = kMax;
  bool has_lo = false, has_hi = false;
  auto num = [&](const char* k) -> std::optional<long double> {
    auto it = s.find(k);
    if (it == s.end()) return std::nullopt;
    if (it->is_boolean()) {
      unsupported(std::string("boolean '") + k + "' (draft 4) is unsupported; give the bound as a number", ptr);
      return std::nullopt;
    }
    if (!it->is_number()) throw SchemaError(std::string("'") + k + "' must be a number" + at(ptr + "/" + k));
    if (it->is_number_integer() && !it->is_number_unsigned()) return static_cast<long double>(it->get<int64_t>());
    if (it->is_number_unsigned()) return static_cast<long double>(it->get<uint64_t>());
    return static_cast<long double>(it->get<double>());
  };
  if (auto v = num("minimum")) { lo = std::max(lo, std::ceil(*v)); has_lo = true; }
  if (auto v = num("exclusiveMinimum")) { lo = std::max(lo, std::floor(*v) + 1); has_lo = true; }
  if (auto v = num("maximum")) { hi = std::min(hi, std::floor(*v)); has_hi = true; }
  if (auto v = num("exclusiveMaximum")) { hi = std::min(hi, std::ceil(*v) - 1); has_hi = true; }
  if (lo > hi || lo > kMax || hi < -kMax) throw SchemaError("integer bounds admit no value" + at(ptr));
  lo = std::max(lo, -kMax);
  hi = std::min(hi, kMax);
  if (!has_lo) lo = std::min<long double>(-static_cast<long double>(kMaxFreeInt), hi);
  if (!has_hi) hi = std::max<long double>(static_cast<long double>(kMaxFreeInt), lo);
  return j_.integer(static_cast<int64_t>(lo), static_cast<int64_t>(hi));
}

uint32_t Compiler::object(const Json& s, const std::string& ptr, int depth) {
  struct Prop { std::string key; uint32_t rule; bool required; };
  std::vector<Prop> props;
  if (s.contains("properties")) {
    if (!s["properties"].is_object()) throw SchemaError("'properties' must be an object" + at(ptr + "/properties"));
    for (const auto& [k, v] : s["properties"].items())
      props.push_back({k, nested(v, ptr + "/properties/" + escape_pointer(k), depth + 1), false});
  }
  if (s.contains("required")) {
    if (!s["required"].is_array()) throw SchemaError("'required' must be an array of strings" + at(ptr + "/required"));
    for (const auto& k : s["required"]) {
      if (!k.is_string()) throw SchemaError("'required' must be an array of strings" + at(ptr + "/required"));
      auto it = std::find_if(props.begin(), props.end(), [&](const Prop& p) { return p.key == k.get<std::string>(); });
      if (it == props.end()) {
        unsupported("required key '" + k.get<std::string>() + "' is not in 'properties' (unsupported)", ptr + "/required");
        continue;
      }
      it->required = true;
    }
  }
  // additionalProperties: absent means false when properties are declared (OpenAI's strict
  // mode), true otherwise (a free object).
  std::optional<uint32_t> extra;
  auto ap = s.find("additionalProperties");
  if (ap == s.end()) {
    if (!s.contains("properties")) extra = j_.any_value();
  } else if (ap->is_boolean()) {
    if (ap->get<bool>()) extra = j_.any_value();
  } else {
    extra = nested(*ap, ptr + "/additionalProperties", depth + 1);
  }

  // E[i]: nothing written yet, properties i.. to come; N[i]: something written (", " first).
  uint32_t e, n;
  if (extra) {
    Seq member{Builder::ref(j_.string(0, std::nullopt))};
    b_.lit(member, ": ");
    member.push_back(Builder::ref(*extra));
    n = b_.new_rule();
    b_.add_alt(n, b_.lit("}"));
    Seq more = b_.lit(", ");
    more.insert(more.end(), member.begin(), member.end());
    more.push_back(Builder::ref(n));
    b_.add_alt(n, std::move(more));
    member.push_back(Builder::ref(n));
    e = b_.rule({b_.lit("}"), std::move(member)});
  } else {
    e = n = b_.rule({b_.lit("}")});
  }
  for (size_t i = props.size(); i-- > 0;) {
    const std::string key = JsonRules::canonical(Json(props[i].key)) + ": ";
    Seq first = b_.lit(key), later = b_.lit(", " + key);
    for (Seq* q : {&first, &later}) {
      q->push_back(Builder::ref(props[i].rule));
      q->push_back(Builder::ref(n));
    }
    std::vector<Seq> e_alts{std::move(first)}, n_alts{std::move(later)};
    if (!props[i].required) {
      e_alts.push_back({Builder::ref(e)});
      n_alts.push_back({Builder::ref(n)});
    }
    e = b_.rule(std::move(e_alts));
    n = b_.rule(std::move(n_alts));
  }
  return b_.rule({{b_.byte('{'), Builder::ref(e)}});
}

uint32_t Compiler::array(const Json& s, const std::string& ptr, int depth) {
  std::vector<uint32_t> prefix;
  if (s.contains("prefixItems")) {
    const Json& p = s["prefixItems"];
    if (!p.is_array()) throw SchemaError("'prefixItems' must be an array of schemas" + at(ptr + "/prefixItems"));
    for (size_t i = 0; i < p.size(); ++i)
      prefix.push_back(nested(p[i], ptr + "/prefixItems/" + std::to_string(i), depth + 1));
  }
  std::optional<uint32_t> items;
  auto it = s.find("items");
  if (it == s.end() || (it->is_boolean() && it->get<bool>())) {
    items = j_.any_value();
  } else if (it->is_array()) {
    throw SchemaError("'items' as an array (draft 4 tuples) is unsupported; use 'prefixItems'" + at(ptr + "/items"));
  } else if (!it->is_boolean()) {
    items = nested(*it, ptr + "/items", depth + 1);
  }
  const uint64_t k = prefix.size();
  const uint64_t min = count(s, "minItems", ptr).value_or(0);
  std::optional<uint64_t> max = count(s, "maxItems", ptr);
  if (max && min > *max) throw SchemaError("'minItems' > 'maxItems': no array satisfies both" + at(ptr));
  if (!items) {
    if (min > k) throw SchemaError("'minItems' exceeds the prefixItems while 'items' is false" + at(ptr));
    max = std::min(max.value_or(k), k);
  }
  auto item = [&](uint64_t i) { return i < k ? prefix[i] : *items; };
  // A[i]: i items written. Bounded: a chain up to max; unbounded: a loop from L on.
  uint64_t last;
  uint32_t next;
  if (max) {
    last = *max;
    next = b_.rule({b_.lit("]")});
  } else {
    last = std::max<uint64_t>({k, min, 1});
    next = b_.new_rule();
    b_.add_alt(next, b_.lit("]"));
    b_.add_alt(next, {b_.byte(','), b_.byte(' '), Builder::ref(*items), Builder::ref(next)});
  }
  if (last > b_.limits().max_elements) throw SchemaError("schema too large: array bounds exceed the grammar size limit" + at(ptr));
  for (uint64_t i = last; i-- > 0;) {
    std::vector<Seq> alts;
    if (i >= min) alts.push_back(b_.lit("]"));
    Seq add = i == 0 ? Seq{} : b_.lit(", ");
    add.push_back(Builder::ref(item(i)));
    add.push_back(Builder::ref(next));
    alts.push_back(std::move(add));
    next = b_.rule(std::move(alts));
  }
  return b_.rule({{b_.byte('['), Builder::ref(next)}});
}

std::shared_ptr<const Grammar> Grammar::compile(const nlohmann::ordered_json& schema, const Options& opt) {
  try {
    Builder b(opt.limits);
    JsonRules j(b);
    Compiler c(schema, opt, b, j);
    const uint32_t root = c.root();
    return b.finish(root, c.ignored());
  } catch (const nlohmann::json::exception& e) {
    throw SchemaError(std::string("invalid JSON Schema: ") + e.what());
  }
}

std::shared_ptr<const Grammar> Grammar::compile(std::string_view schema_json, const Options& opt) {
  nlohmann::ordered_json schema;
  try {
    schema = nlohmann::ordered_json::parse(schema_json);
  } catch (const nlohmann::json::exception& e) {
    throw SchemaError(std::string("the schema is not JSON: ") + e.what());
  }
  return compile(schema, opt);
}

std::shared_ptr<const Grammar> Grammar::json_object(const Options& opt) {
  Builder b(opt.limits);
  JsonRules j(b);
  return b.finish(j.any_object(), {});
}

SchemaRules::SchemaRules(Builder& b, JsonRules& j, const nlohmann::ordered_json& root, const Options& opt)
    : c_(std::make_unique<Compiler>(root, opt, b, j)) {}

SchemaRules::~SchemaRules() = default;

uint32_t SchemaRules::at(const std::string& ptr) {
  try {
    return c_->at_pointer(ptr);
  } catch (const nlohmann::json::exception& e) {
    throw SchemaError(std::string("invalid JSON Schema: ") + e.what());
  }
}

const std::vector<std::string>& SchemaRules::ignored() const { return c_->ignored(); }

}  // namespace dseek::grammar
