// load_model_tokenizer on a GGUF with a tokenizer.json beside it: the tokenizer.json is used
// only when it holds the GGUF's vocabulary; otherwise the GGUF's own tokenizer is used and a
// warning names both files.
#include <gtest/gtest.h>

#include "engine/local_engine.h"
#include "engine/model_tokenizer.h"
#include "tokenizer/real_tokenizer.h"
#include "weights/gguf_test_util.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

// DIR/NAME -> the fixture, and DIR/tokenizer.json -> `tokenizer_json` (when not empty).
std::string place(const TempDir& t, const std::string& fixture, const std::string& name,
                  const std::string& tokenizer_json) {
  fs::create_symlink(fixture, t.path(name));
  if (!tokenizer_json.empty()) fs::create_symlink(tokenizer_json, t.path("tokenizer.json"));
  return t.path(name);
}

const std::string kText = "Hello, world! 你好 <｜User｜>12345 <think>x</think>\n\tcode();";

TEST(ModelTokenizer, MatchingTokenizerJsonIsUsed) {
  TempDir t;
  const std::string g = place(t, vocab_only_gguf(), "v.gguf", real_tokenizer_path());
  std::string warning = "unset";
  const Tokenizer tok = load_model_tokenizer(g, &warning);
  EXPECT_EQ(warning, "unset") << "no warning for a matching tokenizer.json";
  // The tokenizer.json's own flags: <｜User｜> is an added token with special=false there; the
  // GGUF stores it as CONTROL (fixtures README, "Caveat").
  const int32_t user = real_tokenizer().token_to_id("<｜User｜>");
  ASSERT_GE(user, 0);
  EXPECT_FALSE(tok.is_special(user));
  EXPECT_TRUE(Tokenizer::from_vocab(gguf_vocab_spec(*GgufFile::open(vocab_only_gguf()))).is_special(user));
  EXPECT_EQ(tok.vocab_size(), real_tokenizer().vocab_size());
  EXPECT_EQ(tok.encode(kText), real_tokenizer().encode(kText));
}

TEST(ModelTokenizer, TokenizerJsonOfAnotherVocabularyLosesToTheGguf) {
  TempDir t;
  const std::string g = place(t, gguf_fixture("gguf-v32-Q8_0.gguf"), "m.gguf", real_tokenizer_path());
  std::string warning;
  const Tokenizer tok = load_model_tokenizer(g, &warning);
  EXPECT_EQ(warning, t.path("tokenizer.json") + " does not match the vocabulary of " + g + " (" +
                         std::to_string(real_tokenizer().vocab_size()) +
                         " token ids in the tokenizer.json, 512 in the GGUF); using the GGUF's own tokenizer "
                         "(tokenizer.ggml.*), which its weights were made for");
  EXPECT_EQ(tok.vocab_size(), 512u);
  const Tokenizer own = Tokenizer::from_vocab(gguf_vocab_spec(*GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"))));
  EXPECT_EQ(tok.encode(kText), own.encode(kText));
  for (int32_t id : tok.encode(kText)) EXPECT_LT(id, 512);
  // Without `warning`, the same text goes to stderr.
  ::testing::internal::CaptureStderr();
  load_model_tokenizer(g);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "dseek: warning: " + warning + "\n");
}

TEST(ModelTokenizer, SameSizeButOtherTokensLosesToTheGguf) {
  TempDir t;
  // The real vocabulary with two ids swapped: same size, same strings, other ids.
  auto src = GgufFile::open(vocab_only_gguf());
  std::vector<std::string> tokens = src->get_string_array("tokenizer.ggml.tokens");
  const std::string a = tokens[1000], b = tokens[1001];
  std::swap(tokens[1000], tokens[1001]);
  const std::string g = t.path("swapped.gguf");
  rewrite_gguf(*src, g, [&](GgufWriter& w) { w.set_string_array("tokenizer.ggml.tokens", tokens); });
  fs::create_symlink(real_tokenizer_path(), t.path("tokenizer.json"));
  std::string warning;
  const Tokenizer tok = load_model_tokenizer(g, &warning);
  EXPECT_NE(warning.find(t.path("tokenizer.json") + " does not match the vocabulary of " + g + " (token 1000 is '" +
                         a + "' in the tokenizer.json, '" + b + "' in the GGUF)"),
            std::string::npos)
      << warning;
  EXPECT_EQ(tok.id_to_token(1000), b);
}

TEST(ModelTokenizer, BrokenTokenizerJsonBesideAGgufWarns) {
  TempDir t;
  const std::string g = place(t, gguf_fixture("gguf-v32-Q8_0.gguf"), "m.gguf", "");
  std::ofstream(t.path("tokenizer.json")) << "{";
  std::string warning;
  const Tokenizer tok = load_model_tokenizer(g, &warning);
  EXPECT_EQ(tok.vocab_size(), 512u);
  EXPECT_NE(warning.find(t.path("tokenizer.json") + " does not match the vocabulary of " + g + " (it does not load: tokenizer " +
                         t.path("tokenizer.json")),
            std::string::npos)
      << warning;
}

TEST(ModelTokenizer, GgufWithoutTokenizerKeysUsesTheTokenizerJson) {
  TempDir t;
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  std::vector<std::string> skip;
  for (const auto& [k, v] : src->metadata())
    if (k.rfind("tokenizer.", 0) == 0) skip.push_back(k);
  const std::string g = t.path("bare.gguf");
  rewrite_gguf(*src, g, {}, skip);
  EXPECT_EQ(error_of([&] { load_model_tokenizer(g); }),
            g + ": no tokenizer.json beside the file and no tokenizer.ggml.tokens metadata");
  fs::create_symlink(real_tokenizer_path(), t.path("tokenizer.json"));
  std::string warning;
  EXPECT_EQ(load_model_tokenizer(g, &warning).vocab_size(), real_tokenizer().vocab_size());
  EXPECT_TRUE(warning.empty());
}

TEST(ModelTokenizer, SplitSetReadsPartOne) {
  const Tokenizer tok = load_model_tokenizer(gguf_fixture("gguf-v32-Q2_K-00002-of-00002.gguf"));
  EXPECT_EQ(tok.vocab_size(), 512u);
}

// The identity a saved session is checked against: the loaded checkpoint's fingerprint.
TEST(LocalEngine, KnowsItsModelFingerprint) {
  const LocalEngine nano(repo_dir() + "/models/nano-agent", Numerics::Exact);
  EXPECT_EQ(nano.model_fingerprint(), Checkpoint::open(repo_dir() + "/models/nano-agent")->fingerprint());
  const LocalEngine q4(gguf_fixture("gguf-v32-Q4_K_M.gguf"), Numerics::Exact);
  EXPECT_EQ(q4.model_fingerprint(), Checkpoint::open(gguf_fixture("gguf-v32-Q4_K_M.gguf"))->fingerprint());
  EXPECT_NE(nano.model_fingerprint(), q4.model_fingerprint());
}

}  // namespace
}  // namespace dseek::test
