// dseek::grammar::Grammar — a compiled grammar over bytes: rules made of alternatives, each a
// sequence of byte sets and rule references (a context-free grammar, no left recursion). It is
// what a JSON Schema compiles to (schema_compiler.cc) and what the Automaton runs; immutable
// once built, so one Grammar may be shared by any number of matchers and threads.
//
// Output format of the JSON a compiled schema admits (canonical, so one value has one
// spelling): Python json.dumps' default separators — ", " between items and members, ": "
// after a key, no other whitespace; object keys in the schema's declared order. See
// src/grammar/README.md for the supported JSON Schema subset and the limits.
#pragma once
#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "runtime/error.h"

namespace dseek::grammar {

// A schema that cannot be compiled: invalid, unsupported (the message names the keyword and
// its JSON pointer), unsatisfiable, or over a limit. Front ends map it to HTTP 400.
class SchemaError : public dseek::Error {
 public:
  using Error::Error;
};

// Bounds that keep a hostile schema from costing unbounded time or memory.
struct Limits {
  int max_schema_depth = 64;        // nested schema nodes (objects in objects ...) while compiling
  size_t max_elements = 1u << 20;   // elements of the compiled grammar (bounded repetitions expand)
  int max_stack_depth = 256;        // automaton stack frames at run time (nesting of free JSON)
  size_t max_stacks = 4096;         // parallel alternatives one automaton state may track
  size_t max_states = 100000;       // automaton states one Automaton builds (lazily) before it refuses
};

// Compile options.
struct Options {
  // false: unsupported keywords are ignored (listed in Grammar::ignored()) instead of refused.
  bool strict = true;
  Limits limits;
};

// One element of a rule alternative.
struct Elem {
  enum Kind : uint8_t { kBytes, kRef, kEnd };
  Kind kind;
  uint32_t arg;  // kBytes: index into byte_sets(); kRef: rule id; kEnd: unused
};

class Grammar {
 public:
  // Compiles a JSON Schema (see README.md for the subset); properties keep the order they
  // have in `schema` (an ordered_json, as the server parses requests). Throws SchemaError
  // naming the keyword and its JSON pointer for anything unsupported, invalid or
  // unsatisfiable, or over opt.limits.
  static std::shared_ptr<const Grammar> compile(const nlohmann::ordered_json& schema, const Options& opt = {});
  // Same from JSON text (declared order kept); a text that is not JSON is a SchemaError too.
  static std::shared_ptr<const Grammar> compile(std::string_view schema_json, const Options& opt = {});
  // Any JSON object (response_format json_object), in the canonical format above.
  static std::shared_ptr<const Grammar> json_object(const Options& opt = {});

  // The grammar as flat data. elems(): every alternative's elements, each alternative ended
  // by a kEnd; rules()[r]: the positions in elems() where rule r's alternatives start.
  const std::vector<Elem>& elems() const { return elems_; }
  const std::vector<std::vector<uint32_t>>& rules() const { return rules_; }
  const std::vector<std::bitset<256>>& byte_sets() const { return sets_; }
  uint32_t root() const { return root_; }
  const Limits& limits() const { return limits_; }
  // Keywords skipped with strict=false, as "keyword at /pointer".
  const std::vector<std::string>& ignored() const { return ignored_; }

  // Bytes no byte set tells apart share a class: the automaton's tables are per class.
  uint8_t byte_class(uint8_t b) const { return class_of_[b]; }
  int num_classes() const { return num_classes_; }
  uint8_t class_byte(int cls) const { return class_rep_[cls]; }

 private:
  friend class Builder;
  std::vector<Elem> elems_;
  std::vector<std::vector<uint32_t>> rules_;
  std::vector<std::bitset<256>> sets_;
  uint32_t root_ = 0;
  Limits limits_;
  std::vector<std::string> ignored_;
  uint8_t class_of_[256] = {};
  uint8_t class_rep_[256] = {};
  int num_classes_ = 0;
};

}  // namespace dseek::grammar
