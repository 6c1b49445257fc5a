// Token masks on a small vocabulary: which tokens are allowed, EOS only where the value is
// complete, tokens that span structure, duplicates, and forced bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grammar/matcher.h"

namespace dseek::grammar {
namespace {

// ids: 0 EOS (no bytes), then the pieces below.
const std::vector<std::string> kVocab = {"", "{", "}", "\"", "a", "\"a", "\": ", "1", "12", "{\"", "true", "t", ", ", "b", "a\"", "1", "xyz"};

std::vector<int32_t> allowed_ids(Matcher& m) {
  std::vector<int32_t> ids;
  const auto& mask = m.allowed();
  for (size_t t = 0; t < kVocab.size(); ++t)
    if (mask[t / 64] >> (t % 64) & 1) ids.push_back(static_cast<int32_t>(t));
  return ids;
}

TEST(GrammarMask, FollowsTheSchema) {
  auto trie = std::make_shared<const TokenTrie>(kVocab);
  auto g = Grammar::compile(std::string_view(R"({"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]})"));
  Matcher m(g, trie, {0});
  EXPECT_EQ(allowed_ids(m), (std::vector<int32_t>{1, 9}));  // "{" or "{\""
  ASSERT_TRUE(m.accept(9));
  EXPECT_EQ(m.forced_bytes(), "a\": ");
  EXPECT_EQ(allowed_ids(m), (std::vector<int32_t>{4, 14}));  // "a", "a\""
  EXPECT_FALSE(m.accept(13));                            // "b" refused, state unchanged
  ASSERT_TRUE(m.accept(4));
  EXPECT_EQ(allowed_ids(m), (std::vector<int32_t>{3, 6}));  // '"', '": '
  ASSERT_TRUE(m.accept(6));
  EXPECT_EQ(allowed_ids(m), (std::vector<int32_t>{7, 8, 15}));  // both "1" ids: duplicates
  ASSERT_TRUE(m.accept(8));
  EXPECT_FALSE(m.is_accepting());
  EXPECT_EQ(allowed_ids(m), (std::vector<int32_t>{2, 7, 8, 15}));
  EXPECT_FALSE(m.accept(0));  // EOS before the value is complete
  ASSERT_TRUE(m.accept(2));
  EXPECT_TRUE(m.is_accepting());
  EXPECT_EQ(allowed_ids(m), (std::vector<int32_t>{0}));  // only EOS
  ASSERT_TRUE(m.accept(0));
  EXPECT_TRUE(m.finished());
  EXPECT_TRUE(allowed_ids(m).empty());
}

TEST(GrammarMask, MaskEqualsTokenByTokenCheck) {
  // The trie scan must agree with walking each token's bytes on its own, in every state of
  // a short run.
  auto trie = std::make_shared<const TokenTrie>(kVocab);
  auto g = Grammar::compile(std::string_view(R"({"anyOf":[{"type":"boolean"},{"type":"array","items":{"enum":["a","ab",12]}}]})"));
  Matcher m(g, trie, {0});
  for (const std::string& piece : {std::string("["), std::string("\"a"), std::string("\", ")}) {
    const auto& mask = m.allowed();
    for (size_t t = 1; t < kVocab.size(); ++t) {
      const bool bit = mask[t / 64] >> (t % 64) & 1;
      Matcher probe = m;
      EXPECT_EQ(bit, probe.allows(static_cast<int32_t>(t))) << "token " << kVocab[t] << " after " << piece;
    }
    ASSERT_TRUE(m.accept_bytes(piece));
  }
  EXPECT_EQ(allowed_ids(m), (std::vector<int32_t>{3, 5, 7, 8, 15}));  // '"', '"a', "1", "12", "1"
  EXPECT_FALSE(m.accept_bytes("]"));  // a "," before "]" is not JSON
}

TEST(GrammarMask, EmptyAndUnknownTokensNeverAllowed) {
  auto trie = std::make_shared<const TokenTrie>(kVocab);
  Matcher m(Grammar::compile(std::string_view("{}")), trie, {0});
  EXPECT_FALSE(m.accept(-1));
  EXPECT_FALSE(m.accept(999));
  EXPECT_FALSE(m.accept(16));  // "xyz"
  const auto ids = allowed_ids(m);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 0), 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 1), 1);
}

}  // namespace
}  // namespace dseek::grammar

namespace dseek::grammar {
namespace {

// at_end(): complete and nothing can follow — where generation stops without waiting for EOS.
TEST(GrammarMask, AtEndOnlyWhenNothingCanFollow) {
  auto trie = std::make_shared<const TokenTrie>(kVocab);
  auto obj = Grammar::compile(std::string_view(R"({"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]})"));
  Matcher m(obj, trie, {0});
  EXPECT_FALSE(m.at_end());
  ASSERT_TRUE(m.accept_bytes("{\"a\": 12"));
  EXPECT_FALSE(m.at_end());  // more digits may come
  ASSERT_TRUE(m.accept(2));  // "}"
  EXPECT_TRUE(m.is_accepting());
  EXPECT_TRUE(m.at_end());
  // A top-level integer is complete after "1" but may go on: not at the end.
  Matcher n(Grammar::compile(std::string_view(R"({"type":"integer"})")), trie, {0});
  ASSERT_TRUE(n.accept(7));
  EXPECT_TRUE(n.is_accepting());
  EXPECT_FALSE(n.at_end());
  ASSERT_TRUE(n.accept(0));  // EOS: finished
  EXPECT_TRUE(n.at_end());
}

}  // namespace
}  // namespace dseek::grammar
