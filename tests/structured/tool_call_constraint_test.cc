// The constraints that put the tool-call grammar into generation, on a toy vocabulary:
// grammar_constraint with an already-written prefix (tool_choice in chat mode), and
// after_text, free until the DSML opener has been sampled (tool_choice auto, strict tools).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "structured/json_constraint.h"
#include "structured/tool_call_constraint.h"
#include "structured/tool_call_grammar.h"

namespace dseek::structured {
namespace {

using Json = nlohmann::ordered_json;

enum : int32_t { kEos, kHello, kOpener, kGt, kInvoke, kF, kG, kHead, kNl, kInvokeEnd, kCallsEnd, kHalf1, kHalf2, kAdded, kX, kVocab };

std::shared_ptr<const grammar::TokenTrie> toy_trie() {
  std::vector<std::string> b(kVocab);
  b[kHello] = "Hello";
  b[kOpener] = "\n\n<｜DSML｜function_calls";
  b[kGt] = ">\n";
  b[kInvoke] = "<｜DSML｜invoke name=\"";
  b[kF] = "f";
  b[kG] = "g";
  b[kHead] = "\">\n";
  b[kNl] = "\n";
  b[kInvokeEnd] = "</｜DSML｜invoke>";
  b[kCallsEnd] = "</｜DSML｜function_calls>";
  b[kHalf1] = "\n\n<｜DSML｜";
  b[kHalf2] = "function_calls>\n";  // completes the opener and goes on
  b[kX] = "x";
  return std::make_shared<grammar::TokenTrie>(std::move(b));  // kEos, kAdded: no bytes
}

std::shared_ptr<const grammar::Grammar> toy_grammar() {
  ToolCallRules r;
  r.tools = Json::array({{{"type", "function"}, {"function", {{"name", "f"}}}},
                         {{"type", "function"}, {"function", {{"name", "g"}, {"strict", true}}}}});
  return tool_call_grammar(r);
}

// The ids mask() leaves finite.
std::vector<int32_t> allowed(TokenConstraint& c) {
  std::vector<float> logits(kVocab, 0.0f);
  c.mask(logits.data(), kVocab);
  std::vector<int32_t> out;
  for (int32_t t = 0; t < kVocab; ++t)
    if (std::isfinite(logits[t])) out.push_back(t);
  return out;
}

std::vector<int32_t> all_ids() {
  std::vector<int32_t> v;
  for (int32_t t = 0; t < kVocab; ++t) v.push_back(t);
  return v;
}

TEST(AfterText, FreeUntilTheOpenerThenTheBlock) {
  auto c = after_text(toy_grammar(), toy_trie(), "\n\n<｜DSML｜function_calls")({kEos});
  EXPECT_EQ(allowed(*c), all_ids());
  c->accept(kHello);
  EXPECT_EQ(allowed(*c), all_ids());
  c->accept(kOpener);
  EXPECT_EQ(allowed(*c), std::vector<int32_t>{kGt});
  c->accept(kGt);
  EXPECT_EQ(allowed(*c), std::vector<int32_t>{kInvoke});
  c->accept(kInvoke);
  EXPECT_EQ(allowed(*c), (std::vector<int32_t>{kF, kG}));
  for (int32_t t : {kG, kHead}) c->accept(t);
  EXPECT_EQ(allowed(*c), (std::vector<int32_t>{kNl, kInvokeEnd}));  // g takes no parameters
  for (int32_t t : {kInvokeEnd, kNl, kCallsEnd}) c->accept(t);
  EXPECT_FALSE(c->done());
  EXPECT_EQ(allowed(*c), std::vector<int32_t>{kEos});
  c->accept(kEos);
  EXPECT_TRUE(c->done());
}

TEST(AfterText, OpenerSplitAcrossTokensAndBrokenByAnAddedToken) {
  auto c = after_text(toy_grammar(), toy_trie(), "\n\n<｜DSML｜function_calls")({kEos});
  for (int32_t t : {kHello, kHalf1, kHalf2}) c->accept(t);
  EXPECT_EQ(allowed(*c), std::vector<int32_t>{kInvoke});  // ">\n" came with the opener's last token

  auto d = after_text(toy_grammar(), toy_trie(), "\n\n<｜DSML｜function_calls")({kEos});
  for (int32_t t : {kHalf1, kAdded, kHalf2}) d->accept(t);
  EXPECT_EQ(allowed(*d), all_ids());
  EXPECT_FALSE(d->done());
}

TEST(AfterText, OnlyAfterTheStartToken) {
  auto c = after_text(toy_grammar(), toy_trie(), "\n\n<｜DSML｜function_calls", kAdded)({kEos});
  c->accept(kOpener);  // in the reasoning: not a call
  EXPECT_EQ(allowed(*c), all_ids());
  for (int32_t t : {kGt, kAdded, kX, kOpener}) c->accept(t);
  EXPECT_EQ(allowed(*c), std::vector<int32_t>{kGt});
}

TEST(GrammarConstraintPrefix, StartsAfterTheForcedText) {
  auto c = grammar_constraint(toy_grammar(), toy_trie(), "\n\n<｜DSML｜function_calls>\n<｜DSML｜invoke name=\"")({kEos});
  EXPECT_FALSE(c->done());
  EXPECT_EQ(allowed(*c), (std::vector<int32_t>{kF, kG}));
  auto bad = grammar_constraint(toy_grammar(), toy_trie(), "Hello")({kEos});
  EXPECT_TRUE(bad->done());
}

}  // namespace
}  // namespace dseek::structured
