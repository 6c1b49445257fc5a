// Builds a Grammar rule by rule: the schema compiler's and the JSON rules' assembly kit.
#pragma once
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/grammar.h"

namespace dseek::grammar {

using Seq = std::vector<Elem>;  // one alternative while building (no kEnd)

class Builder {
 public:
  explicit Builder(const Limits& limits) : limits_(limits) {}
  const Limits& limits() const { return limits_; }

  // A new rule with no alternatives yet (add them with add_alt; references may come first).
  uint32_t new_rule();
  // Appends an alternative to `rule`. Throws SchemaError when the grammar outgrows
  // limits.max_elements.
  void add_alt(uint32_t rule, Seq seq);
  // A new rule whose alternatives are `alts`.
  uint32_t rule(std::vector<Seq> alts);

  Elem set(const std::bitset<256>& bytes);  // interned
  Elem byte(uint8_t b);
  Elem range(uint8_t lo, uint8_t hi);  // inclusive
  static Elem ref(uint32_t rule) { return Elem{Elem::kRef, rule}; }
  // Appends one kBytes element per byte of `text`.
  void lit(Seq& seq, std::string_view text);
  Seq lit(std::string_view text) { Seq s; lit(s, text); return s; }

  // Finishes the grammar with `root` as its start rule (flattens rules, computes byte classes).
  std::shared_ptr<const Grammar> finish(uint32_t root, std::vector<std::string> ignored);

 private:
  Limits limits_;
  std::vector<std::vector<Seq>> rules_;
  std::vector<std::bitset<256>> sets_;
  std::map<std::string, uint32_t> set_ids_;  // bitset as string -> index
  size_t elems_ = 0;
};

}  // namespace dseek::grammar
