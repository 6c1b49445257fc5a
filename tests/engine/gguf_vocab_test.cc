// Tokenizer::from_vocab on the real DeepSeek-V3.2 vocab as llama.cpp's converter writes it
// (tests/data/fixtures/gguf/tokenizer-deepseek-v32-vocab-only.gguf): it must tokenize like
// the tokenizer.json it came from, except for the documented skip_special_tokens caveat.
// The spec is read the engine's way (GgufFile + gguf_vocab_spec), which is why this test
// lives with the engine's and not the tokenizer layer's (that layer does not link the GGUF
// reader).
#include <algorithm>
#include <chrono>
#include <map>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/model_tokenizer.h"
#include "runtime/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pre_presets.h"
#include "tokenizer/real_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "weights/gguf.h"

namespace dseek {
namespace {

using nlohmann::json;
using test::read_jsonl;
using test::real_tokenizer;

constexpr const char* kVocabGguf = "fixtures/gguf/tokenizer-deepseek-v32-vocab-only.gguf";

std::string gguf_path() {
  const std::string p = test::data_path(kVocabGguf);
  EXPECT_FALSE(p.empty()) << "missing test data " << kVocabGguf;
  return p;
}

const GgufFile& gguf_file() {
  static const std::unique_ptr<GgufFile> f = GgufFile::open(gguf_path());
  return *f;
}

const VocabSpec& real_spec() {
  static const VocabSpec spec = gguf_vocab_spec(gguf_file());
  return spec;
}

const Tokenizer& gguf_tokenizer() {
  static const Tokenizer tok = Tokenizer::from_vocab(real_spec());
  return tok;
}

int32_t gguf_bos() { return static_cast<int32_t>(gguf_file().get_int("tokenizer.ggml.bos_token_id")); }

// HF's 16 added tokens with special=false that the converter stores as CONTROL (fixtures
// README, "Caveat"): <｜search▁begin｜>, <｜search▁end｜>, then <｜fim▁hole｜> through
// <｜tool▁sep｜> except <|EOT|> (128805).
std::set<int32_t> control_non_special_ids() {
  std::set<int32_t> ids = {128796, 128797};
  for (int32_t id = 128800; id <= 128814; ++id) {
    if (id != 128805) ids.insert(id);
  }
  return ids;
}

// `ids` without the 16 tokens above: what the GGUF tokenizer keeps when skipping specials.
std::vector<int32_t> without_control_non_special(const std::vector<int32_t>& ids) {
  static const std::set<int32_t> drop = control_non_special_ids();
  std::vector<int32_t> out;
  for (int32_t id : ids) {
    if (!drop.count(id)) out.push_back(id);
  }
  return out;
}

std::vector<int32_t> ids_of(const json& j) { return j.get<std::vector<int32_t>>(); }

std::string stream_decode(const Tokenizer& tok, const std::vector<int32_t>& ids, bool skip) {
  StreamDecoder dec(tok, skip);
  std::string out;
  for (int32_t id : ids) out += dec.push(id);
  out += dec.flush();
  return out;
}

TEST(GgufVocab, FixtureMetadata) {
  const VocabSpec& spec = real_spec();
  EXPECT_EQ(spec.model, "gpt2");
  EXPECT_EQ(spec.pre, "deepseek-v3");
  EXPECT_EQ(spec.tokens.size(), 129280u);
  EXPECT_EQ(spec.token_types.size(), 129280u);
  EXPECT_EQ(spec.merges.size(), 127741u);
  EXPECT_EQ(gguf_bos(), 0);
}

// The preset is the tokenizer.json's own pre_tokenizer, byte for byte.
TEST(GgufVocab, DeepseekV3PresetIsTheTokenizerJsonSplits) {
  std::ifstream in(test::real_tokenizer_path());
  const json root = json::parse(in);
  const json& steps = root.at("pre_tokenizer").at("pretokenizers");
  const auto* preset = pre_split_patterns("deepseek-v3");
  ASSERT_NE(preset, nullptr);
  ASSERT_EQ(steps.size(), preset->size() + 1);
  for (size_t i = 0; i < preset->size(); ++i) {
    EXPECT_EQ(steps[i].at("type"), "Split");
    EXPECT_EQ(steps[i].at("behavior"), "Isolated");
    EXPECT_EQ(steps[i].at("pattern").at("Regex").get<std::string>(), std::string((*preset)[i])) << i;
  }
  EXPECT_EQ(steps.back().at("type"), "ByteLevel");
  EXPECT_EQ(steps.back().at("use_regex"), false);
  EXPECT_EQ(steps.back().at("add_prefix_space"), false);
  EXPECT_EQ(pre_split_patterns("gpt2"), nullptr);
}

// Every id's token, kind and lookup agree with the tokenizer.json, except that exactly the 16
// documented tokens are special here and not there.
TEST(GgufVocab, TablesMatchTokenizerJson) {
  const Tokenizer& g = gguf_tokenizer();
  const Tokenizer& h = real_tokenizer();
  EXPECT_EQ(g.vocab_size(), h.vocab_size());
  EXPECT_EQ(g.vocab_size(), 128815u);  // the [PAD…] ids 128815..129279 have no token
  std::set<int32_t> special_only_here;
  for (int32_t id = -3; id < 129300; ++id) {
    ASSERT_EQ(g.id_to_token(id), h.id_to_token(id)) << id;
    ASSERT_EQ(g.is_added(id), h.is_added(id)) << id;
    if (g.is_special(id) != h.is_special(id)) {
      ASSERT_TRUE(g.is_special(id)) << id;  // never the other way round
      special_only_here.insert(id);
    }
    const std::string tok = h.id_to_token(id);
    if (!tok.empty()) {
      ASSERT_EQ(g.token_to_id(tok), h.token_to_id(tok)) << id;
    }
  }
  EXPECT_EQ(special_only_here, control_non_special_ids());
  EXPECT_FALSE(g.is_special(128798));  // <think>, USER_DEFINED
  EXPECT_TRUE(g.is_added(128798));
  EXPECT_TRUE(g.is_special(128805));   // <|EOT|>
  for (const char* pad : {"[PAD128815]", "[PAD129279]"}) {
    EXPECT_EQ(g.token_to_id(pad), -1) << pad;
    EXPECT_EQ(h.token_to_id(pad), -1) << pad;
  }
  EXPECT_EQ(g.id_to_token(128815), "");
}

TEST(GgufVocab, EncodeMatchesEveryCase) {
  const Tokenizer& tok = gguf_tokenizer();
  const auto rows = read_jsonl("vectors/tokenizer/encode.jsonl");
  EXPECT_EQ(rows.size(), 108u);
  int matched = 0;
  for (const json& row : rows) {
    const std::string text = row["text"];
    auto ids = tok.encode(text);
    EXPECT_EQ(ids, ids_of(row["ids"])) << row["case_id"];
    ids.insert(ids.begin(), gguf_bos());  // tokenizer.ggml.add_bos_token is true
    EXPECT_EQ(ids, ids_of(row["ids_with_bos"])) << row["case_id"];
    matched += ids == ids_of(row["ids_with_bos"]);
  }
  EXPECT_EQ(matched, 108);
}

TEST(GgufVocab, EncodePiecesAndRoundTrip) {
  const Tokenizer& tok = gguf_tokenizer();
  for (const json& row : read_jsonl("vectors/tokenizer/encode.jsonl")) {
    const auto ids = ids_of(row["ids"]);
    const auto pieces = row["pieces"].get<std::vector<std::string>>();
    ASSERT_EQ(ids.size(), pieces.size()) << row["case_id"];
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(tok.id_to_token(ids[i]), pieces[i]) << row["case_id"] << " #" << i;
      EXPECT_EQ(tok.token_to_id(pieces[i]), ids[i]) << row["case_id"] << " #" << i;
    }
    EXPECT_EQ(tok.decode(ids, false), row["text"].get<std::string>()) << row["case_id"];
  }
}

// All decode vectors match but three, which differ exactly as documented: the 16 CONTROL
// tokens HF has as special=false are dropped by skip_special_tokens too.
TEST(GgufVocab, DecodeMatchesAllButTheThreeKnownCases) {
  const Tokenizer& tok = gguf_tokenizer();
  const std::map<std::string, std::string> known = {
      {"special-04", "hello</think>Hello! I am DeepSeek."},
      {"special-06", "<think></think>"},
      {"special-08", ""},
  };
  const auto rows = read_jsonl("vectors/tokenizer/decode.jsonl");
  EXPECT_EQ(rows.size(), 38u);
  int matched = 0, differing = 0;
  for (const json& row : rows) {
    const std::string id = row["case_id"];
    const std::string expected = row["text"];
    const bool skip = row["skip_special_tokens"];
    const auto ids = ids_of(row["ids"]);
    const std::string got = tok.decode(ids, skip);
    EXPECT_EQ(stream_decode(tok, ids, skip), got) << id;
    auto it = known.find(id);
    if (it == known.end()) {
      EXPECT_EQ(got, expected) << id;
      matched += got == expected;
      continue;
    }
    ASSERT_TRUE(skip) << id;
    EXPECT_NE(got, expected) << id;
    EXPECT_EQ(got, it->second) << id;
    // ... which is HF's decode with those 16 tokens removed first.
    EXPECT_EQ(got, real_tokenizer().decode(without_control_non_special(ids), true)) << id;
    // Without skipping, the case decodes like HF.
    EXPECT_EQ(tok.decode(ids, false), real_tokenizer().decode(ids, false)) << id;
    ++differing;
  }
  EXPECT_EQ(matched, 35);
  EXPECT_EQ(differing, 3);
}

// Random texts and id lists with Hugging Face tokenizers' outputs (see gen_hf_random.js).
TEST(GgufVocab, HuggingFaceRandomCrossCheck) {
  const Tokenizer& tok = gguf_tokenizer();
  const auto rows = test::read_jsonl_file(test::repo_dir() + "/tests/tokenizer/hf_random.jsonl");
  EXPECT_EQ(rows.size(), 200u);
  int i = 0, adjusted = 0;
  for (const json& row : rows) {
    const std::string text = row["text"];
    const auto ids = ids_of(row["ids"]);
    EXPECT_EQ(tok.encode(text), ids) << "line " << i;
    EXPECT_EQ(tok.decode(ids), text) << "line " << i;
    const auto dids = ids_of(row["decode_ids"]);
    const std::string d0 = row["decode_text"];
    std::string d1 = row["decode_text_skip"];
    if (without_control_non_special(dids) != dids) {
      d1 = real_tokenizer().decode(without_control_non_special(dids), true);
      ++adjusted;
    }
    EXPECT_EQ(tok.decode(dids, false), d0) << "line " << i;
    EXPECT_EQ(tok.decode(dids, true), d1) << "line " << i;
    EXPECT_EQ(stream_decode(tok, dids, false), d0) << "line " << i;
    EXPECT_EQ(stream_decode(tok, dids, true), d1) << "line " << i;
    ++i;
  }
  EXPECT_EQ(adjusted, 8);  // rows holding one of the 16 tokens
}

// A random text mixing added-token contents, GGUF-only token texts, vocab pieces' text and
// code points from every plane (as gen_hf_random.js does).
std::string random_text(std::mt19937& rng, const Tokenizer& tok) {
  static const std::vector<std::string> words = {
      " ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u3000", "\u2028", "\u200b", "\ufeff", "Hello",
      "world", "'s", "123456", "3.14", "!!", "...", "<think>", "</think>", "<｜User｜>",
      "<｜Assistant｜>", "<|EOT|>", "<｜end▁of▁sentence｜>", "<｜tool▁sep｜>",
      "<｜place▁holder▁no▁7｜>", "<｜search▁begin｜>", "[PAD128815]", "[PAD129279]", "<｜",
      "｜>", "<think", "中文", "かな", "ｶﾀｶﾅ", "한국어", "e\u0301", "😀", "👨‍👩‍👧", "١٢٣",
      "１２３", "{\"a\": [1, 2]}", "x++;", "\\", std::string(1, '\0')};
  static const std::vector<std::pair<char32_t, char32_t>> ranges = {
      {0x20, 0x7e}, {0, 0x1f}, {0x80, 0x24f}, {0x250, 0x52f}, {0x530, 0x1fff},
      {0x2000, 0x2bff}, {0x2c00, 0x4dff}, {0x4e00, 0x9fff}, {0xa000, 0xd7ff},
      {0xe000, 0xffff}, {0x10000, 0x1ffff}, {0x20000, 0x3ffff}, {0xe0000, 0x10ffff}};
  auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  std::string text;
  for (size_t k = 1 + pick(30); k > 0; --k) {
    switch (pick(3)) {
      case 0: text += words[pick(words.size())]; break;
      case 1: {  // a vocab piece's text, when it is whole characters
        const std::string piece = tok.id_to_token(static_cast<int32_t>(3 + pick(127990)));
        std::string raw;
        if (byte_level::piece_to_bytes(piece, raw)) {
          const std::string back = tok.decode({tok.token_to_id(piece)});
          if (back == raw) text += raw;
        }
        break;
      }
      default: {
        const auto [lo, hi] = ranges[pick(ranges.size())];
        char32_t c = lo + static_cast<char32_t>(pick(hi - lo + 1));
        if (c >= 0xd800 && c <= 0xdfff) c = 'A';
        // UTF-8 by hand (code points only, no surrogates).
        if (c < 0x80) {
          text += static_cast<char>(c);
        } else if (c < 0x800) {
          text += static_cast<char>(0xc0 | (c >> 6));
          text += static_cast<char>(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
          text += static_cast<char>(0xe0 | (c >> 12));
          text += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
          text += static_cast<char>(0x80 | (c & 0x3f));
        } else {
          text += static_cast<char>(0xf0 | (c >> 18));
          text += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
          text += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
          text += static_cast<char>(0x80 | (c & 0x3f));
        }
      }
    }
  }
  return text;
}

// Against the tokenizer.json tokenizer (itself checked against HF above and in vectors_test):
// random texts encode identically, random id lists decode identically.
TEST(GgufVocab, RandomAgainstTokenizerJson) {
  const Tokenizer& g = gguf_tokenizer();
  const Tokenizer& h = real_tokenizer();
  std::mt19937 rng(20240607);
  for (int i = 0; i < 500; ++i) {
    const std::string text = random_text(rng, h);
    const auto ids = h.encode(text);
    ASSERT_EQ(g.encode(text), ids) << "text #" << i;
    ASSERT_EQ(g.decode(ids), text) << "text #" << i;
  }
  auto pick = [&rng](int32_t lo, int32_t hi) {
    return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
  };
  for (int i = 0; i < 500; ++i) {
    std::vector<int32_t> ids;
    for (int k = pick(0, 16); k > 0; --k) {
      switch (pick(0, 4)) {
        case 0: ids.push_back(pick(128000, 129300)); break;  // added, [PAD…], past the end
        case 1: ids.push_back(pick(-2, 2)); break;
        case 2: ids.push_back(pick(0, 127999)); break;
        case 3: ids.push_back(pick(128795, 128815)); break;  // the tokens that differ in kind
        default: ids.push_back(pick(94, 294)); break;        // bytes: broken UTF-8
      }
    }
    ASSERT_EQ(g.decode(ids, false), h.decode(ids, false)) << "ids #" << i;
    ASSERT_EQ(g.decode(ids, true), h.decode(without_control_non_special(ids), true)) << "ids #" << i;
    ASSERT_EQ(stream_decode(g, ids, false), h.decode(ids, false)) << "ids #" << i;
    ASSERT_EQ(stream_decode(g, ids, true), g.decode(ids, true)) << "ids #" << i;
  }
}

// GGUF load (reading the metadata + from_vocab) against Tokenizer::load of the tokenizer.json;
// reported, and bounded only loosely so that a busy machine does not fail it.
TEST(GgufVocab, LoadTimeComparableToTokenizerJson) {
  using clock = std::chrono::steady_clock;
  auto ms = [](clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
  double json_ms = 1e30, read_ms = 1e30, build_ms = 1e30;
  for (int rep = 0; rep < 2; ++rep) {
    auto t0 = clock::now();
    const Tokenizer h = Tokenizer::load(test::real_tokenizer_path());
    auto t1 = clock::now();
    const VocabSpec spec = gguf_vocab_spec(*GgufFile::open(gguf_path()));
    auto t2 = clock::now();
    const Tokenizer g = Tokenizer::from_vocab(spec);
    auto t3 = clock::now();
    json_ms = std::min(json_ms, ms(t1 - t0));
    read_ms = std::min(read_ms, ms(t2 - t1));
    build_ms = std::min(build_ms, ms(t3 - t2));
    EXPECT_EQ(g.vocab_size(), h.vocab_size());
  }
  std::printf("[ load ] tokenizer.json %.1f ms; GGUF metadata read %.1f ms + from_vocab %.1f ms\n",
              json_ms, read_ms, build_ms);
  RecordProperty("tokenizer_json_ms", std::to_string(json_ms));
  RecordProperty("gguf_read_ms", std::to_string(read_ms));
  RecordProperty("from_vocab_ms", std::to_string(build_ms));
  EXPECT_LT(build_ms, 3 * json_ms + 100);
}

// A tiny valid spec: ids 0..255 the bytes, 256 "ab", 257 <s> (CONTROL), 258 <x>
// (USER_DEFINED), 259 [PAD259] (UNUSED).
VocabSpec tiny_spec() {
  VocabSpec s;
  s.model = "gpt2";
  s.pre = "deepseek-v3";
  s.source = "tiny.gguf";
  for (int b = 0; b < 256; ++b) {
    s.tokens.push_back(byte_level::bytes_to_piece(std::string(1, static_cast<char>(b))));
    s.token_types.push_back(VocabSpec::kNormal);
  }
  s.tokens.insert(s.tokens.end(), {"ab", "<s>", "<x>", "[PAD259]"});
  s.token_types.insert(s.token_types.end(), {VocabSpec::kNormal, VocabSpec::kControl,
                                             VocabSpec::kUserDefined, VocabSpec::kUnused});
  s.merges = {"a b"};
  return s;
}

TEST(GgufVocabTiny, Basics) {
  const Tokenizer tok = Tokenizer::from_vocab(tiny_spec());
  EXPECT_EQ(tok.vocab_size(), 259u);
  EXPECT_EQ(tok.encode("<s>ab<x>[PAD259]"),
            (std::vector<int32_t>{257, 256, 258, '[', 'P', 'A', 'D', '2', '5', '9', ']'}));
  EXPECT_TRUE(tok.is_special(257));
  EXPECT_FALSE(tok.is_special(258));
  EXPECT_TRUE(tok.is_added(258));
  EXPECT_EQ(tok.decode({257, 256, 258, 259}, false), "<s>ab<x>");
  EXPECT_EQ(tok.decode({257, 256, 258, 259}, true), "ab<x>");
  EXPECT_EQ(tok.token_to_id("[PAD259]"), -1);
}

// Every rejection names the source and the field.
TEST(GgufVocabTiny, Errors) {
  auto expect_error = [](const VocabSpec& s, const std::string& field, const std::string& why) {
    try {
      Tokenizer::from_vocab(s);
      ADD_FAILURE() << "no error for " << field;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("tiny.gguf"), std::string::npos) << msg;
      EXPECT_NE(msg.find(field + ":"), std::string::npos) << msg;
      EXPECT_NE(msg.find(why), std::string::npos) << msg;
    }
  };
  VocabSpec s = tiny_spec();
  s.model = "llama";
  expect_error(s, "tokenizer.ggml.model", "unsupported \"llama\"");
  s = tiny_spec();
  s.pre = "qwen2";
  expect_error(s, "tokenizer.ggml.pre", "unsupported \"qwen2\"");
  s = tiny_spec();
  s.pre = "";
  expect_error(s, "tokenizer.ggml.pre", "unsupported");
  s = tiny_spec();
  s.tokens.clear();
  s.token_types.clear();
  expect_error(s, "tokenizer.ggml.tokens", "empty");
  s = tiny_spec();
  s.token_types.pop_back();
  expect_error(s, "tokenizer.ggml.token_type", "259 entries for 260 tokens");
  s = tiny_spec();
  s.token_types[256] = VocabSpec::kByte;
  expect_error(s, "tokenizer.ggml.token_type[256]", "unsupported");
  s = tiny_spec();
  s.token_types[256] = VocabSpec::kUnknown;
  expect_error(s, "tokenizer.ggml.token_type[256]", "unsupported");
  s = tiny_spec();
  s.token_types[256] = 9;
  expect_error(s, "tokenizer.ggml.token_type[256]", "unknown token type 9");
  s = tiny_spec();
  s.tokens[257] = "";
  expect_error(s, "tokenizer.ggml.tokens[257]", "empty token");
  s = tiny_spec();
  s.tokens[256] = "a";
  expect_error(s, "tokenizer.ggml.tokens[256]", "repeats the token of id 97");
  s = tiny_spec();
  s.tokens[258] = "<s>";
  expect_error(s, "tokenizer.ggml.tokens[258]", "repeats the token of id 257");
  s = tiny_spec();
  s.token_types[10] = VocabSpec::kUnused;
  expect_error(s, "tokenizer.ggml.tokens", "no NORMAL token for byte 10");
  s = tiny_spec();
  s.merges = {"ab"};
  expect_error(s, "tokenizer.ggml.merges[0]", "exactly one space");
  s = tiny_spec();
  s.merges = {"a b", "a  b"};
  expect_error(s, "tokenizer.ggml.merges[1]", "exactly one space");
  s = tiny_spec();
  s.merges = {"a <s>"};
  expect_error(s, "tokenizer.ggml.merges[0]", "\"<s>\" is not a NORMAL token");
  s = tiny_spec();
  s.merges = {"b a"};
  expect_error(s, "tokenizer.ggml.merges[0]", "merged piece \"ba\" is not a NORMAL token");
  s = tiny_spec();
  s.merges.clear();
  expect_error(s, "tokenizer.ggml.merges", "missing or empty");
}

}  // namespace
}  // namespace dseek
