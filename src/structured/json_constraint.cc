#include "structured/json_constraint.h"

#include <algorithm>
#include <limits>

#include "grammar/matcher.h"
#include "runtime/error.h"
#include "tokenizer/tokenizer.h"

namespace dseek::structured {

namespace {

class GrammarConstraint : public TokenConstraint {
 public:
  GrammarConstraint(std::shared_ptr<const grammar::Grammar> g, std::shared_ptr<const grammar::TokenTrie> trie,
                    std::vector<int32_t> end_ids, const std::string& prefix)
      : m_(std::move(g), std::move(trie), end_ids), no_end_ids_(end_ids.empty()) {
    // Text already written (a forced prefix, a trigger): refused means the output is broken.
    if (!prefix.empty()) done_ = !m_.accept_bytes(prefix) || (no_end_ids_ && m_.at_end());
  }

  void mask(float* logits, int64_t vocab) override {
    // The matcher's mask is cached per automaton state; applying it is one pass over its words.
    const std::vector<uint64_t>& bits = m_.allowed();
    const float ninf = -std::numeric_limits<float>::infinity();
    for (int64_t w = 0; w * 64 < vocab; ++w) {
      const uint64_t word = static_cast<size_t>(w) < bits.size() ? bits[w] : 0;
      if (word == ~uint64_t{0}) continue;
      const int64_t hi = std::min<int64_t>(vocab, (w + 1) * 64);
      for (int64_t t = w * 64; t < hi; ++t)
        if (!(word >> (t & 63) & 1)) logits[t] = ninf;
    }
  }
  void accept(int32_t token) override {
    if (done_) return;
    // A refused token (only when the mask was overridden, e.g. every allowed token banned):
    // the output can no longer be valid, so it ends here. A complete value that nothing can
    // extend leaves only the end ids allowed, so the next token is the chat format's EOS (the
    // parsers and a kept session see a well-formed turn); without end ids (ignore_eos) it ends
    // at once.
    done_ = !m_.accept(token) || m_.finished() || (no_end_ids_ && m_.at_end());
  }
  bool done() const override { return done_; }

 private:
  grammar::Matcher m_;
  bool no_end_ids_;
  bool done_ = false;
};

const nlohmann::ordered_json* field(const nlohmann::ordered_json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

ConstraintFactory grammar_constraint(std::shared_ptr<const grammar::Grammar> g, std::shared_ptr<const grammar::TokenTrie> trie,
                                     std::string prefix) {
  return [g = std::move(g), trie = std::move(trie), prefix = std::move(prefix)](
             const std::vector<int32_t>& end_ids) -> std::unique_ptr<TokenConstraint> {
    return std::make_unique<GrammarConstraint>(g, trie, end_ids, prefix);
  };
}

std::shared_ptr<const grammar::Grammar> response_format_grammar(const nlohmann::ordered_json& rf) {
  if (rf.is_null()) return nullptr;
  const nlohmann::ordered_json* type = rf.is_object() ? field(rf, "type") : nullptr;
  if (!type || !type->is_string()) throw Error("'response_format' must be an object with a string 'type'");
  if (*type == "text") return nullptr;
  if (*type == "json_object") return grammar::Grammar::json_object();
  if (*type != "json_schema") throw Error("'response_format.type' must be \"text\", \"json_object\" or \"json_schema\"");
  const nlohmann::ordered_json* js = field(rf, "json_schema");
  if (!js || !js->is_object()) throw Error("'response_format.json_schema' must be an object");
  if (const auto* name = field(*js, "name"); name && !name->is_string())
    throw Error("'response_format.json_schema.name' must be a string");
  grammar::Options opt;
  if (const auto* strict = field(*js, "strict")) {
    if (!strict->is_boolean()) throw Error("'response_format.json_schema.strict' must be a boolean");
    opt.strict = strict->get<bool>();
  } else {
    opt.strict = false;  // OpenAI's default
  }
  const nlohmann::ordered_json* schema = field(*js, "schema");
  if (!schema) return grammar::Grammar::compile(nlohmann::ordered_json::object(), opt);
  if (!schema->is_object() && !schema->is_boolean())
    throw Error("'response_format.json_schema.schema' must be a JSON Schema object");
  return grammar::Grammar::compile(*schema, opt);
}

int32_t think_end_token(const Tokenizer& tok) {
  const int32_t id = tok.token_to_id("</think>");
  return id >= 0 && tok.is_added(id) ? id : -1;
}

}  // namespace dseek::structured
