// Tokenizer keys: the real DeepSeek-V3.2 tokenizer (models/nano-agent/tokenizer.json) gives
// exactly what llama.cpp's converter wrote into the vocab-only fixture GGUF; a small
// tokenizer shows the special cases (unused ids, user-defined tokens, chat template files).
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "convert/gguf_vocab.h"
#include "convert_test_util.h"
#include "runtime/error.h"
#include "weights/gguf.h"

namespace dseek::test {
namespace {

std::map<std::string, GgufValue> as_map(std::vector<GgufKv> kv) {
  std::map<std::string, GgufValue> m;
  for (auto& [k, v] : kv) m.emplace(k, std::move(v));
  return m;
}

TEST(GgufVocab, RealTokenizerMatchesLlamaCppConverter) {
  const std::string fixture = data_path("fixtures/gguf/tokenizer-deepseek-v32-vocab-only.gguf");
  ASSERT_FALSE(fixture.empty());
  auto g = GgufFile::open(fixture);
  const auto got = as_map(gguf_vocab_metadata(repo_dir() + "/models/nano-agent", 129280));
  for (const char* k : {"tokenizer.ggml.model", "tokenizer.ggml.pre"}) EXPECT_EQ(got.at(k).s, g->get_string(k)) << k;
  EXPECT_EQ(got.at("tokenizer.ggml.tokens").strs, g->get_string_array("tokenizer.ggml.tokens"));
  EXPECT_EQ(got.at("tokenizer.ggml.token_type").ints, g->get_int_array("tokenizer.ggml.token_type"));
  EXPECT_EQ(got.at("tokenizer.ggml.token_type").elem, g->find_kv("tokenizer.ggml.token_type")->elem);
  EXPECT_EQ(got.at("tokenizer.ggml.merges").strs, g->get_string_array("tokenizer.ggml.merges"));
  for (const char* k : {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.padding_token_id",
                        "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token"}) {
    ASSERT_TRUE(got.count(k)) << k;
    EXPECT_EQ(got.at(k).type, g->find_kv(k)->type) << k;
    EXPECT_EQ(got.at(k).i, g->find_kv(k)->i) << k;
  }
  // nano-agent's tokenizer_config.json has no chat template; the fixture's source had one.
  EXPECT_FALSE(got.count("tokenizer.chat_template"));
  size_t keys = 0;
  for (const auto& [k, v] : g->metadata()) keys += k.rfind("tokenizer.", 0) == 0 && k != "tokenizer.chat_template";
  EXPECT_EQ(got.size(), keys);
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(GgufVocab, AddedTokensUnusedIdsAndTemplateFile) {
  TempDir d;
  write(d.file("tokenizer.json"), R"({
    "added_tokens": [
      {"id": 0, "content": "<s>", "special": true, "normalized": false},
      {"id": 5, "content": "<think>", "special": false, "normalized": false},
      {"id": 6, "content": "<｜User｜>", "special": false, "normalized": false},
      {"id": 7, "content": "a▁b", "special": false, "normalized": false}],
    "model": {"type": "BPE", "vocab": {"<s>": 0, "a": 1, "b": 2, "ab": 3}, "merges": ["a b", ["ab", "b"]]}})");
  write(d.file("tokenizer_config.json"), R"({"bos_token": "<s>", "add_bos_token": true})");
  write(d.file("config.json"), R"({"eos_token_id": 3, "pad_token_id": 99})");
  write(d.file("chat_template.jinja"), "{{ messages }}");
  const auto kv = as_map(gguf_vocab_metadata(d.path(), 9));
  EXPECT_EQ(kv.at("tokenizer.ggml.tokens").strs,
            (std::vector<std::string>{"<s>", "a", "b", "ab", "[PAD4]", "<think>", "<｜User｜>", "a b", "[PAD8]"}));
  EXPECT_EQ(kv.at("tokenizer.ggml.token_type").ints, (std::vector<int64_t>{3, 1, 1, 1, 5, 4, 3, 4, 5}));
  EXPECT_EQ(kv.at("tokenizer.ggml.merges").strs, (std::vector<std::string>{"a b", "ab b"}));
  EXPECT_EQ(kv.at("tokenizer.ggml.bos_token_id").i, 0);
  EXPECT_EQ(kv.at("tokenizer.ggml.eos_token_id").i, 3);  // from config.json
  EXPECT_FALSE(kv.count("tokenizer.ggml.padding_token_id"));  // 99 is past the vocabulary
  EXPECT_TRUE(kv.at("tokenizer.ggml.add_bos_token").i);
  EXPECT_EQ(kv.at("tokenizer.chat_template").s, "{{ messages }}");
  // tokenizer_config.json's template wins over the file.
  write(d.file("tokenizer_config.json"), R"({"chat_template": "T"})");
  EXPECT_EQ(as_map(gguf_vocab_metadata(d.path(), 9)).at("tokenizer.chat_template").s, "T");
}

TEST(GgufVocab, TokenIdPastVocabularyIsAnError) {
  TempDir d;
  write(d.file("tokenizer.json"), R"({"added_tokens": [], "model": {"vocab": {"a": 0, "b": 12}, "merges": []}})");
  try {
    gguf_vocab_metadata(d.path(), 4);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'b' has id 12"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dseek::test
