#include "grammar/builder.h"

#include <string>

namespace dseek::grammar {

uint32_t Builder::new_rule() {
  rules_.emplace_back();
  return static_cast<uint32_t>(rules_.size() - 1);
}

void Builder::add_alt(uint32_t rule, Seq seq) {
  elems_ += seq.size() + 1;
  if (elems_ > limits_.max_elements) {
    throw SchemaError("schema too large: its grammar exceeds " + std::to_string(limits_.max_elements) +
                      " elements (bounded repetitions such as maxItems/maxLength expand)");
  }
  rules_[rule].push_back(std::move(seq));
}

uint32_t Builder::rule(std::vector<Seq> alts) {
  uint32_t r = new_rule();
  for (auto& a : alts) add_alt(r, std::move(a));
  return r;
}

Elem Builder::set(const std::bitset<256>& bytes) {
  std::string key = bytes.to_string();
  auto [it, fresh] = set_ids_.try_emplace(key, static_cast<uint32_t>(sets_.size()));
  if (fresh) sets_.push_back(bytes);
  return Elem{Elem::kBytes, it->second};
}

Elem Builder::byte(uint8_t b) { return range(b, b); }

Elem Builder::range(uint8_t lo, uint8_t hi) {
  std::bitset<256> s;
  for (int b = lo; b <= hi; ++b) s.set(b);
  return set(s);
}

void Builder::lit(Seq& seq, std::string_view text) {
  for (char c : text) seq.push_back(byte(static_cast<uint8_t>(c)));
}

std::shared_ptr<const Grammar> Builder::finish(uint32_t root, std::vector<std::string> ignored) {
  auto g = std::make_shared<Grammar>();
  g->limits_ = limits_;
  g->root_ = root;
  g->sets_ = sets_;
  g->ignored_ = std::move(ignored);
  g->rules_.resize(rules_.size());
  for (size_t r = 0; r < rules_.size(); ++r) {
    for (const Seq& alt : rules_[r]) {
      g->rules_[r].push_back(static_cast<uint32_t>(g->elems_.size()));
      g->elems_.insert(g->elems_.end(), alt.begin(), alt.end());
      g->elems_.push_back(Elem{Elem::kEnd, 0});
    }
  }
  // Byte classes: bytes with the same membership in every set behave alike everywhere.
  std::map<std::vector<bool>, int> class_ids;
  for (int b = 0; b < 256; ++b) {
    std::vector<bool> sig(sets_.size());
    for (size_t i = 0; i < sets_.size(); ++i) sig[i] = sets_[i].test(b);
    auto [it, fresh] = class_ids.try_emplace(sig, g->num_classes_);
    if (fresh) g->class_rep_[g->num_classes_++] = static_cast<uint8_t>(b);
    g->class_of_[b] = static_cast<uint8_t>(it->second);
  }
  return g;
}

}  // namespace dseek::grammar
