// Property test on the real vocabulary (the built-in model's 128,815 tokens in a 129,280-id
// mask): random walks that pick among the allowed tokens (uniformly for a while, then
// preferring tokens that close the value) always end in text that parses as JSON and
// satisfies the schema — checked by an independent validator, Debian's valijson.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "grammar/matcher.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace dseek::grammar {
namespace {

using nlohmann::json;

const std::shared_ptr<const TokenTrie>& real_trie() {
  static const auto trie = TokenTrie::from_tokenizer(
      Tokenizer::load(test::repo_dir() + "/models/nano-agent/tokenizer.json"), 129280);
  return trie;
}
constexpr int32_t kEos = 1;  // <｜end▁of▁sentence｜>

// valijson speaks draft 7: prefixItems/items become items/additionalItems, and OpenAPI's
// nullable becomes a "null" alternative.
json to_draft7(json s) {
  if (s.is_array()) {
    for (auto& x : s) x = to_draft7(x);
    return s;
  }
  if (!s.is_object()) return s;
  for (auto& [k, v] : s.items()) {
    if (k != "enum" && k != "const") v = to_draft7(v);
  }
  if (s.contains("prefixItems")) {
    json add = s.contains("items") ? s["items"] : json(true);
    s["items"] = s["prefixItems"];
    s["additionalItems"] = add;
    s.erase("prefixItems");
  }
  if (s.value("nullable", false)) {
    s.erase("nullable");
    s = json{{"anyOf", json::array({s, json{{"type", "null"}}})}};
  }
  return s;
}

// One walk; returns the text. `uniform_steps` tokens are drawn uniformly among the allowed,
// then EOS when allowed, else a closing single-byte token when allowed, else any allowed.
std::string walk(Matcher& m, std::mt19937& rng, int uniform_steps) {
  const TokenTrie& trie = *real_trie();
  static const std::vector<int32_t> closing = [&] {
    std::vector<int32_t> ids;
    for (char c : std::string("\"}]ntf,01")) {
      for (size_t t = 0; t < trie.vocab_size(); ++t) {
        if (trie.token_bytes(static_cast<int32_t>(t)) == std::string(1, c)) {
          ids.push_back(static_cast<int32_t>(t));
          break;
        }
      }
    }
    return ids;
  }();
  std::string out;
  std::vector<int32_t> ids;
  for (int step = 0; step < 5000; ++step) {
    const auto& mask = m.allowed();
    ids.clear();
    for (size_t w = 0; w < mask.size(); ++w) {
      for (uint64_t bits = mask[w]; bits; bits &= bits - 1) ids.push_back(static_cast<int32_t>(w * 64 + __builtin_ctzll(bits)));
    }
    if (ids.empty()) {
      ADD_FAILURE() << "dead end after " << out;
      return out;
    }
    int32_t pick = ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(rng)];
    if (step >= uniform_steps) {
      if (m.is_accepting()) {
        pick = kEos;
      } else {
        for (int32_t c : closing) {
          if (std::binary_search(ids.begin(), ids.end(), c)) {
            pick = c;
            break;
          }
        }
      }
    }
    EXPECT_TRUE(m.accept(pick));
    if (pick == kEos) return out;
    out += trie.token_bytes(pick);
  }
  ADD_FAILURE() << "no end in 5000 tokens: " << out.substr(0, 200);
  return out;
}

const char* kSchemas[] = {
    R"({"type":"string"})",
    R"({"type":"integer"})",
    R"({"type":"number"})",
    R"({"type":["boolean","null","integer"]})",
    R"({"type":"object"})",
    R"({"type":"array"})",
    R"({})",
    R"({"type":"string","minLength":3,"maxLength":6})",
    R"({"type":"integer","minimum":-40,"maximum":125})",
    R"({"type":"integer","exclusiveMinimum":7,"exclusiveMaximum":1000})",
    R"({"enum":["北京","Zürich","São Paulo","🙂 ok",42,null,true]})",
    R"({"const":{"k":["v",1,2.5]}})",
    R"({"type":"object","properties":{"name":{"type":"string","maxLength":12},"age":{"type":"integer","minimum":0,"maximum":150},
        "email":{"type":"string","nullable":true}},"required":["name","age","email"],"additionalProperties":false})",
    R"({"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"integer"},"c":{"type":"string","maxLength":3}},"required":["b"]})",
    R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":{"type":"string","maxLength":4}})",
    R"({"type":"array","items":{"type":"object","properties":{"x":{"type":"number"},"tags":{"type":"array","items":{"enum":["a","b","ç"]},"maxItems":3}},
        "required":["x","tags"]},"minItems":1,"maxItems":3})",
    R"({"type":"array","prefixItems":[{"type":"string","maxLength":5},{"type":"integer"},{"type":"boolean"}],"items":false,"minItems":2})",
    R"({"type":"array","prefixItems":[{"const":"head"}],"items":{"type":"null"},"minItems":3,"maxItems":5})",
    R"({"anyOf":[{"type":"integer","minimum":0,"maximum":9},{"type":"string","minLength":1,"maxLength":2},{"type":"array","items":{"type":"boolean"},"maxItems":2}]})",
    R"({"oneOf":[{"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
                 {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"integer"}},"required":["kind","side"]}]})",
    R"({"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},
        "required":["value","children"]}},"$ref":"#/$defs/node"})",
    R"({"definitions":{"list":{"anyOf":[{"type":"null"},{"type":"object","properties":{"head":{"type":"string","maxLength":3},"tail":{"$ref":"#/definitions/list"}},
        "required":["head","tail"]}]}},"$ref":"#/definitions/list"})",
    R"({"type":"object","properties":{"steps":{"type":"array","items":{"type":"object","properties":{"explanation":{"type":"string"},"output":{"type":"string"}},
        "required":["explanation","output"],"additionalProperties":false}},"final_answer":{"type":"string"}},"required":["steps","final_answer"],"additionalProperties":false})",
    R"({"allOf":[{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}]})",
    R"({"type":"object","properties":{"matrix":{"type":"array","items":{"type":"array","items":{"type":"integer","minimum":0,"maximum":9},"minItems":2,"maxItems":2},"maxItems":3}},
        "required":["matrix"]})",
    // pattern: an unanchored match in free text (a '}', which the walk's closing preference
    // reaches), and anchored ones with classes, groups, bounded repetitions and a quote.
    // (ASCII only: valijson's std::regex reads bytes, not code points.)
    R"({"type":"string","pattern":"\\}"})",
    R"({"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]{3}\\d{2}$"},
        "slug":{"type":"string","pattern":"^[a-z]{2,5}(-(?:[0-9]{1,3}|x))*$"},"q":{"pattern":"^'[^'\"]*\"?$"}},"required":["code","slug","q"]})",
};

TEST(GrammarRandomWalk, OutputsParseAndValidate) {
  std::mt19937 rng(12);
  for (const char* text : kSchemas) {
    SCOPED_TRACE(text);
    auto g = Grammar::compile(std::string_view(text));
    const json schema = to_draft7(json::parse(text));
    valijson::Schema vs;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter sa(schema);
    parser.populateSchema(sa, vs);
    Matcher fresh(g, real_trie(), {kEos});
    for (int run = 0; run < 4; ++run) {
      Matcher m = fresh;  // shares nothing with the other runs but the tables built so far
      const std::string out = walk(m, rng, run == 0 ? 0 : 8 * run);
      json doc;
      try {
        doc = json::parse(out);
      } catch (const json::exception& e) {
        ADD_FAILURE() << "not JSON: " << out << " (" << e.what() << ")";
        continue;
      }
      valijson::Validator validator;
      valijson::adapters::NlohmannJsonAdapter da(doc);
      valijson::ValidationResults results;
      EXPECT_TRUE(validator.validate(vs, da, &results)) << out;
    }
  }
}

}  // namespace
}  // namespace dseek::grammar
