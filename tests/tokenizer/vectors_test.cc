// The shared ground-truth vectors: every case must match exactly.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "real_tokenizer.h"

namespace dseek {
namespace {

using nlohmann::json;
using test::read_jsonl;
using test::real_tokenizer;

std::vector<int32_t> ids_of(const json& j) { return j.get<std::vector<int32_t>>(); }

std::string stream_decode(const Tokenizer& tok, const std::vector<int32_t>& ids, bool skip) {
  StreamDecoder dec(tok, skip);
  std::string out;
  for (int32_t id : ids) out += dec.push(id);
  out += dec.flush();
  return out;
}

TEST(TokenizerVectors, EncodeMatchesEveryCase) {
  const Tokenizer& tok = real_tokenizer();
  const auto rows = read_jsonl("vectors/tokenizer/encode.jsonl");
  EXPECT_GE(rows.size(), 100u);
  for (const json& row : rows) {
    const std::string text = row["text"];
    EXPECT_EQ(tok.encode(text), ids_of(row["ids"])) << row["case_id"];
  }
}

TEST(TokenizerVectors, EncodePiecesMatchIdToToken) {
  const Tokenizer& tok = real_tokenizer();
  for (const json& row : read_jsonl("vectors/tokenizer/encode.jsonl")) {
    const auto ids = ids_of(row["ids"]);
    const auto pieces = row["pieces"].get<std::vector<std::string>>();
    ASSERT_EQ(ids.size(), pieces.size()) << row["case_id"];
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(tok.id_to_token(ids[i]), pieces[i]) << row["case_id"] << " #" << i;
      EXPECT_EQ(tok.token_to_id(pieces[i]), ids[i]) << row["case_id"] << " #" << i;
    }
  }
}

TEST(TokenizerVectors, EncodeCasesRoundTrip) {
  const Tokenizer& tok = real_tokenizer();
  for (const json& row : read_jsonl("vectors/tokenizer/encode.jsonl")) {
    const std::string text = row["text"];
    EXPECT_EQ(tok.decode(ids_of(row["ids"]), false), text) << row["case_id"];
  }
}

TEST(TokenizerVectors, DecodeMatchesEveryCase) {
  const Tokenizer& tok = real_tokenizer();
  const auto rows = read_jsonl("vectors/tokenizer/decode.jsonl");
  EXPECT_GE(rows.size(), 30u);
  for (const json& row : rows) {
    const std::string expected = row["text"];
    const bool skip = row["skip_special_tokens"];
    EXPECT_EQ(tok.decode(ids_of(row["ids"]), skip), expected) << row["case_id"];
  }
}

TEST(TokenizerVectors, StreamDecoderMatchesDecodeOnEncodeCases) {
  const Tokenizer& tok = real_tokenizer();
  for (const json& row : read_jsonl("vectors/tokenizer/encode.jsonl")) {
    const auto ids = ids_of(row["ids"]);
    for (bool skip : {false, true}) {
      EXPECT_EQ(stream_decode(tok, ids, skip), tok.decode(ids, skip))
          << row["case_id"] << " skip=" << skip;
    }
  }
}

TEST(TokenizerVectors, StreamDecoderMatchesDecodeCases) {
  const Tokenizer& tok = real_tokenizer();
  for (const json& row : read_jsonl("vectors/tokenizer/decode.jsonl")) {
    const std::string expected = row["text"];
    EXPECT_EQ(stream_decode(tok, ids_of(row["ids"]), row["skip_special_tokens"]), expected)
        << row["case_id"];
  }
}

TEST(TokenizerVectors, ChatPromptIds) {
  const Tokenizer& tok = real_tokenizer();
  int checked = 0;
  for (const json& row : read_jsonl("vectors/chat/encode.jsonl")) {
    const json& exp = row["expected"];
    if (!exp.contains("prompt")) continue;  // error cases have no prompt
    const std::string prompt = exp["prompt"];
    const auto ids = ids_of(exp["prompt_ids"]);
    EXPECT_EQ(tok.encode(prompt), ids) << row["case_id"];
    EXPECT_EQ(tok.decode(ids), prompt) << row["case_id"];
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(TokenizerVectors, ChatCompletionTextIds) {
  const Tokenizer& tok = real_tokenizer();
  int checked = 0;
  for (const json& row : read_jsonl("vectors/chat/parse.jsonl")) {
    const json& in = row["input"];
    const std::string text = in["text"];
    const auto ids = ids_of(in["text_ids"]);
    EXPECT_EQ(tok.encode(text), ids) << row["case_id"];
    EXPECT_EQ(stream_decode(tok, ids, false), text) << row["case_id"];
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

// Random texts and id lists with Hugging Face tokenizers' outputs (see gen_hf_random.js).
TEST(TokenizerVectors, HuggingFaceRandomCrossCheck) {
  const Tokenizer& tok = real_tokenizer();
  const auto rows = test::read_jsonl_file(test::repo_dir() + "/tests/tokenizer/hf_random.jsonl");
  EXPECT_EQ(rows.size(), 200u);
  int i = 0;
  for (const json& row : rows) {
    const std::string text = row["text"];
    const auto ids = ids_of(row["ids"]);
    EXPECT_EQ(tok.encode(text), ids) << "line " << i;
    EXPECT_EQ(tok.decode(ids), text) << "line " << i;
    const auto dids = ids_of(row["decode_ids"]);
    const std::string d0 = row["decode_text"], d1 = row["decode_text_skip"];
    EXPECT_EQ(tok.decode(dids, false), d0) << "line " << i;
    EXPECT_EQ(tok.decode(dids, true), d1) << "line " << i;
    EXPECT_EQ(stream_decode(tok, dids, false), d0) << "line " << i;
    EXPECT_EQ(stream_decode(tok, dids, true), d1) << "line " << i;
    ++i;
  }
}

}  // namespace
}  // namespace dseek
