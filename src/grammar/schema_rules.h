// dseek::grammar::SchemaRules — a JSON Schema compiled into rules of a Builder that another
// grammar is being assembled in (a grammar that embeds schema-constrained JSON values, such
// as tool-call arguments one by one), instead of a whole Grammar (Grammar::compile).
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grammar/builder.h"
#include "grammar/json_rules.h"

namespace dseek::grammar {

class Compiler;

// Keywords that annotate a schema and constrain nothing (title, description, $defs, ...).
bool is_annotation(const std::string& keyword);
// `key` as one JSON pointer segment (RFC 6901: "~" -> "~0", "/" -> "~1").
std::string escape_pointer(const std::string& key);

class SchemaRules {
 public:
  // `root`: the schema document ($refs resolve against it); `b` and `j` the grammar being
  // built and its JSON rules. All three must outlive this object.
  SchemaRules(Builder& b, JsonRules& j, const nlohmann::ordered_json& root, const Options& opt);
  ~SchemaRules();
  SchemaRules(const SchemaRules&) = delete;
  SchemaRules& operator=(const SchemaRules&) = delete;

  // The rule of the schema at JSON pointer `ptr` in root ("" the root, "/properties/x" a
  // property's), in the canonical JSON spelling of grammar.h. Throws SchemaError as
  // Grammar::compile does (the message names the keyword and its pointer), and for a pointer
  // that resolves to nothing.
  uint32_t at(const std::string& ptr);
  // Keywords skipped so far (Options::strict false), as "keyword at /pointer".
  const std::vector<std::string>& ignored() const;

 private:
  std::unique_ptr<Compiler> c_;
};

}  // namespace dseek::grammar
