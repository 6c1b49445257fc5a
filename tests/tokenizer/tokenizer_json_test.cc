// The SAX reader that keeps model.vocab / model.merges out of the DOM.
#include "tokenizer/tokenizer_json.h"

#include <stdexcept>

#include <gtest/gtest.h>

namespace dseek {
namespace {

using nlohmann::json;

TEST(TokenizerJson, CollectsVocabAndMergesAndKeepsTheRest) {
  const TokenizerJson doc = parse_tokenizer_json(R"({
    "version": "1.0", "added_tokens": [{"id": 1, "content": "<s>"}],
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "odd": [1, {"x": null}]},
              "merges": ["a b", ["a", "b"], 3.5], "dropout": null},
    "decoder": {"type": "ByteLevel", "vocab": {"not": 0}}})");
  ASSERT_TRUE(doc.vocab.has_value());
  ASSERT_EQ(doc.vocab->size(), 4u);
  EXPECT_EQ((*doc.vocab)[2].first, "ab");
  EXPECT_EQ((*doc.vocab)[2].second, 2);
  EXPECT_EQ((*doc.vocab)[3].second, json::parse(R"([1, {"x": null}])"));
  ASSERT_TRUE(doc.merges.has_value());
  EXPECT_EQ(*doc.merges, (std::vector<json>{"a b", json::array({"a", "b"}), 3.5}));
  // Everything else, including look-alike members elsewhere, stays in the DOM.
  EXPECT_EQ(doc.rest["model"], json::parse(R"({"type": "BPE", "dropout": null})"));
  EXPECT_EQ(doc.rest["decoder"]["vocab"]["not"], 0);
  EXPECT_EQ(doc.rest["added_tokens"][0]["content"], "<s>");
  EXPECT_EQ(doc.rest["version"], "1.0");
}

TEST(TokenizerJson, WrongShapesStayInTheDom) {
  const TokenizerJson doc = parse_tokenizer_json(R"({"model": {"vocab": [1], "merges": {}}})");
  EXPECT_FALSE(doc.vocab.has_value());
  EXPECT_FALSE(doc.merges.has_value());
  EXPECT_EQ(doc.rest["model"]["vocab"], json::array({1}));
  EXPECT_TRUE(doc.rest["model"]["merges"].is_object());
}

TEST(TokenizerJson, RejectsInvalidJson) {
  EXPECT_THROW(parse_tokenizer_json(""), std::invalid_argument);
  EXPECT_THROW(parse_tokenizer_json(R"({"model": {"vocab": {"a": 0,}}})"), std::invalid_argument);
  EXPECT_THROW(parse_tokenizer_json("{} x"), std::invalid_argument);
}

}  // namespace
}  // namespace dseek
