// Property test on the real vocabulary (the built-in model's tokenizer, 129,280-id masks):
// random token walks through the tool-call grammar always end in a completion that the
// V3.2 parser (chat::parse_completion) reads as calls of offered tools whose arguments
// validate against the tool's schema (an independent validator, Debian's valijson).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include "valijson_check.h"

#include "chat/parse.h"
#include "grammar/matcher.h"
#include "structured/tool_call_grammar.h"
#include "test_paths.h"
#include "tokenizer/tokenizer.h"

namespace dseek::structured {
namespace {

using Json = nlohmann::ordered_json;
constexpr int32_t kEos = 1;  // <｜end▁of▁sentence｜>

const std::shared_ptr<const grammar::TokenTrie>& real_trie() {
  static const auto trie =
      grammar::TokenTrie::from_tokenizer(Tokenizer::load(test::repo_dir() + "/models/nano-agent/tokenizer.json"), 129280);
  return trie;
}

// Tokens that tend to close what is open: the DSML bar (only a tag may hold it in raw text),
// tag starts, quotes, brackets, short literals.
const std::vector<int32_t>& closers() {
  static const std::vector<int32_t> ids = [] {
    const auto& trie = *real_trie();
    std::vector<int32_t> out;
    for (const std::string s : {"｜", "</", "\"", "}", "]", "\n", "0", "1", "null", "true"}) {
      for (size_t t = 0; t < trie.vocab_size(); ++t) {
        if (trie.token_bytes(static_cast<int32_t>(t)) == s) {
          out.push_back(static_cast<int32_t>(t));
          break;
        }
      }
    }
    return out;
  }();
  return ids;
}

// One walk: `uniform` tokens drawn uniformly among the allowed, then EOS when allowed, else
// a random allowed closer, else the longest allowed token on the forced path, else any.
std::string walk(grammar::Matcher& m, std::mt19937& rng, int uniform) {
  const auto& trie = *real_trie();
  std::string out;
  std::vector<int32_t> ids, close;
  for (int step = 0; step < 3000; ++step) {
    const auto& mask = m.allowed();
    ids.clear();
    for (size_t w = 0; w < mask.size(); ++w)
      for (uint64_t bits = mask[w]; bits; bits &= bits - 1) ids.push_back(static_cast<int32_t>(w * 64 + __builtin_ctzll(bits)));
    if (ids.empty()) {
      ADD_FAILURE() << "dead end after " << out;
      return out;
    }
    int32_t pick = ids[std::uniform_int_distribution<size_t>(0, ids.size() - 1)(rng)];
    if (step >= uniform) {
      const std::string forced = m.forced_bytes();
      close.clear();
      for (int32_t c : closers())
        if (std::binary_search(ids.begin(), ids.end(), c)) close.push_back(c);
      if (m.is_accepting()) {
        pick = kEos;
      } else if (!close.empty()) {
        pick = close[std::uniform_int_distribution<size_t>(0, close.size() - 1)(rng)];
      } else if (!forced.empty()) {
        size_t best = 0;
        for (int32_t t : ids)
          if (const std::string& b = trie.token_bytes(t); b.size() > best && forced.compare(0, b.size(), b) == 0) best = b.size(), pick = t;
      }
    }
    EXPECT_TRUE(m.accept(pick));
    if (pick == kEos) return out;
    out += trie.token_bytes(pick);
  }
  ADD_FAILURE() << "no end in 3000 tokens: " << out.substr(0, 300);
  return out;
}

TEST(ToolCallWalk, EveryWalkParsesIntoValidCalls) {
  const Json schemas = Json::parse(R"([
    {"type": "object", "properties": {"location": {"type": "string", "maxLength": 12},
      "unit": {"enum": ["celsius", "fahrenheit"]}, "days": {"type": "integer", "minimum": 1, "maximum": 14}},
      "required": ["location", "unit"], "additionalProperties": false},
    {"type": "object", "properties": {"query": {"type": "string", "minLength": 1, "maxLength": 8},
      "filters": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string", "maxLength": 4},
        "maxItems": 2}, "exact": {"type": "boolean"}}, "required": ["tags", "exact"], "additionalProperties": false},
      "limit": {"type": ["integer", "null"]}}, "required": ["query", "filters"], "additionalProperties": false}
  ])");
  ToolCallRules rules;
  for (size_t i = 0; i < schemas.size(); ++i)
    rules.tools.push_back({{"type", "function"},
                           {"function", {{"name", "tool_" + std::to_string(i)}, {"parameters", schemas[i]}, {"strict", true}}}});
  const auto g = tool_call_grammar(rules);
  std::mt19937 rng(7);
  int calls = 0;
  for (int w = 0; w < 12; ++w) {
    grammar::Matcher m(g, real_trie(), {kEos});
    const std::string text = walk(m, rng, 10 + 4 * w);
    chat::AssistantMessage msg;
    try {
      msg = chat::parse_completion(text + "<｜end▁of▁sentence｜>", false);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << " in " << text;
      continue;
    }
    EXPECT_EQ(msg.content, "");
    ASSERT_FALSE(msg.tool_calls.empty()) << text;
    for (const auto& c : msg.tool_calls) {
      ASSERT_TRUE(c.name == "tool_0" || c.name == "tool_1") << c.name;
      const Json args = Json::parse(c.arguments);
      std::string why;
      const Json& schema = schemas[c.name == "tool_0" ? 0 : 1];
      EXPECT_TRUE(test::validates(nlohmann::json::parse(schema.dump()), nlohmann::json::parse(args.dump()), &why))
          << c.arguments << ": " << why;
      ++calls;
    }
  }
  EXPECT_GE(calls, 12);
}

}  // namespace
}  // namespace dseek::structured
