// The real DeepSeek-V3.2 tokenizer: accessors, edge cases and properties beyond the vectors.
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "real_tokenizer.h"
#include "runtime/error.h"
#include "tokenizer/utf8.h"

namespace dseek {
namespace {

using test::real_tokenizer;

TEST(Tokenizer, Accessors) {
  const Tokenizer& tok = real_tokenizer();
  EXPECT_EQ(tok.vocab_size(), 128815u);
  EXPECT_EQ(tok.token_to_id("<｜begin▁of▁sentence｜>"), 0);
  EXPECT_EQ(tok.token_to_id("<｜end▁of▁sentence｜>"), 1);
  EXPECT_EQ(tok.token_to_id("<think>"), 128798);
  EXPECT_EQ(tok.token_to_id("</think>"), 128799);
  EXPECT_EQ(tok.token_to_id("<｜tool▁sep｜>"), 128814);
  EXPECT_EQ(tok.token_to_id("Ġworld"), 2058);
  EXPECT_EQ(tok.token_to_id("<|User|>"), -1);
  EXPECT_EQ(tok.token_to_id(""), -1);
  EXPECT_EQ(tok.id_to_token(128803), "<｜User｜>");
  EXPECT_EQ(tok.id_to_token(2058), "Ġworld");
  EXPECT_EQ(tok.id_to_token(-1), "");
  EXPECT_EQ(tok.id_to_token(128815), "");
  for (int32_t id : {0, 1, 2, 128000, 128795, 128805}) {
    EXPECT_TRUE(tok.is_special(id)) << id;
    EXPECT_TRUE(tok.is_added(id)) << id;
  }
  for (int32_t id : {128796, 128798, 128799, 128800, 128803, 128804, 128806, 128814}) {
    EXPECT_FALSE(tok.is_special(id)) << id;
    EXPECT_TRUE(tok.is_added(id)) << id;
  }
  for (int32_t id : {3, 2058, 127999, 128815, -5}) {
    EXPECT_FALSE(tok.is_special(id)) << id;
    EXPECT_FALSE(tok.is_added(id)) << id;
  }
}

TEST(Tokenizer, ModelCardExample) {
  // The DeepSeek-V3.2 model card's example prompt and ids.
  const std::string prompt =
      "<｜begin▁of▁sentence｜><｜User｜>hello<｜Assistant｜></think>Hello! I am "
      "DeepSeek.<｜end▁of▁sentence｜><｜User｜>1+1=?<｜Assistant｜><think>";
  const std::vector<int32_t> ids = {0,     128803, 33310, 128804, 128799, 19923, 3,
                                    342,   1030,   22651, 4374,   1465,   16,    1,
                                    128803, 19,    13,    19,     127252, 128804, 128798};
  EXPECT_EQ(real_tokenizer().encode(prompt), ids);
  EXPECT_EQ(real_tokenizer().decode(ids), prompt);
}

TEST(Tokenizer, EncodeEdgeCases) {
  const Tokenizer& tok = real_tokenizer();
  EXPECT_TRUE(tok.encode("").empty());
  EXPECT_EQ(tok.encode(" "), (std::vector<int32_t>{223}));
  EXPECT_EQ(tok.encode("1234567"), (std::vector<int32_t>{6895, 18009, 25}));
  EXPECT_EQ(tok.encode(std::string("a\0b", 3)).size(), 3u);
  EXPECT_EQ(tok.decode(tok.encode(std::string("a\0b", 3))), std::string("a\0b", 3));
  EXPECT_THROW(tok.encode("ab\xE3\x90"), Error);
  EXPECT_THROW(tok.encode("\xFF"), Error);
  EXPECT_THROW(tok.encode("\xED\xA0\x80"), Error);  // a surrogate in UTF-8 form
}

TEST(Tokenizer, NewerUnicodeCharactersClassifyLikeHuggingFace) {
  // Characters from Unicode 15.0-16.0, which PCRE2 10.42's tables lack. Expected ids are from
  // Hugging Face tokenizers 0.23.2 with the same tokenizer.json: " XX" is one pre-token when X
  // is punctuation/symbol or a letter, not a space and a separate run.
  const Tokenizer& tok = real_tokenizer();
  EXPECT_EQ(tok.encode(" \U0001FA77\U0001FA77"),  // pink heart (emoji 15.0, So)
            (std::vector<int32_t>{7351, 105, 118, 3574, 105, 118}));
  EXPECT_EQ(tok.encode(" \U0001FAE8\U0001FAE8"),  // shaking face (emoji 15.0, So)
            (std::vector<int32_t>{7351, 107, 104, 3574, 107, 104}));
  EXPECT_EQ(tok.encode(" \u1C89\u1C89"),  // Cyrillic Tje (16.0, Lu)
            (std::vector<int32_t>{8751, 113, 234, 160, 113, 234}));
  EXPECT_EQ(tok.encode(" \U0002EBF0\U0002EBF0"),  // CJK Extension I (15.1, Lo)
            (std::vector<int32_t>{86387, 109, 110, 111, 175, 109, 110, 111}));
  EXPECT_EQ(tok.encode(" \U00011F00\U00011F00"),  // Kawi sign (15.0, Mn)
            (std::vector<int32_t>{86387, 242, 123, 225, 175, 242, 123, 225}));
}

TEST(Tokenizer, DecodeEdgeCases) {
  const Tokenizer& tok = real_tokenizer();
  EXPECT_EQ(tok.decode({}), "");
  EXPECT_EQ(tok.decode({-1, 128815, 1 << 30}), "");
  EXPECT_EQ(tok.decode({0, 19923, 1}, true), "Hello");
  EXPECT_EQ(tok.decode({0, 19923, 1}, false), "<｜begin▁of▁sentence｜>Hello<｜end▁of▁sentence｜>");
  // 162 241 225 are the three bytes of U+3400: a skipped special token in between does not
  // split them, a kept added token does.
  EXPECT_EQ(tok.decode({162, 241, 0, 225}, true), "\xE3\x90\x80");
  EXPECT_EQ(tok.decode({162, 241, 128803, 225}, true), "\xEF\xBF\xBD<｜User｜>\xEF\xBF\xBD");
}

// Random valid UTF-8 drawn from a mix of ASCII, whitespace, digits, CJK, emoji, marks and
// rarely used planes, plus the odd added-token literal.
std::string random_text(std::mt19937& rng, size_t n_chars) {
  static const std::vector<std::pair<char32_t, char32_t>> ranges = {
      {0x20, 0x7E}, {0x09, 0x0D}, {0x30, 0x39},       {0xA0, 0x24F},    {0x300, 0x36F},
      {0x391, 0x3C9}, {0x400, 0x44F}, {0x660, 0x669}, {0x2000, 0x206F}, {0x3000, 0x30FF},
      {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0xFF00, 0xFFEF}, {0x1F300, 0x1FAFF}, {0x10000, 0x10FFFF}};
  static const char* literals[] = {"<｜User｜>", "<think>", "</think>", "<｜begin▁of▁sentence｜>",
                                   "<|EOT|>", "<｜tool▁sep｜>"};
  std::string s;
  for (size_t i = 0; i < n_chars; ++i) {
    if (rng() % 50 == 0) {
      s += literals[rng() % std::size(literals)];
      continue;
    }
    const auto& [lo, hi] = ranges[rng() % ranges.size()];
    char32_t c = lo + rng() % (hi - lo + 1);
    if (c >= 0xD800 && c <= 0xDFFF) c = 'x';
    utf8::append_code_point(c, s);
  }
  return s;
}

TEST(Tokenizer, RandomTextRoundTrips) {
  const Tokenizer& tok = real_tokenizer();
  std::mt19937 rng(1234);
  for (int i = 0; i < 300; ++i) {
    const std::string text = random_text(rng, 1 + rng() % 200);
    const auto ids = tok.encode(text);
    ASSERT_EQ(tok.decode(ids), text) << "case " << i;
    for (int32_t id : ids) ASSERT_TRUE(id >= 0 && static_cast<size_t>(id) < tok.vocab_size());
  }
}

TEST(StreamDecoder, RandomIdsMatchDecode) {
  // Arbitrary id lists, including bytes that never form valid UTF-8, added and special
  // tokens, and ids with no token.
  const Tokenizer& tok = real_tokenizer();
  std::mt19937 rng(99);
  for (int i = 0; i < 2000; ++i) {
    std::vector<int32_t> ids(rng() % 24);
    for (auto& id : ids) {
      switch (rng() % 6) {
        case 0: id = 128000 + static_cast<int32_t>(rng() % 830); break;  // added, special, none
        case 1: id = static_cast<int32_t>(rng() % 3); break;              // BOS/EOS/PAD
        case 2: id = static_cast<int32_t>(rng() % 128000); break;
        default: id = 94 + static_cast<int32_t>(rng() % 200); break;      // raw single bytes
      }
    }
    for (bool skip : {false, true}) {
      StreamDecoder dec(tok, skip);
      std::string streamed;
      for (int32_t id : ids) streamed += dec.push(id);
      streamed += dec.flush();
      ASSERT_EQ(streamed, tok.decode(ids, skip)) << "case " << i << " skip " << skip;
    }
  }
}

TEST(StreamDecoder, HoldsIncompleteCharacters) {
  const Tokenizer& tok = real_tokenizer();
  StreamDecoder dec(tok);
  EXPECT_EQ(dec.push(162), "");  // first two bytes of U+3400 wait
  EXPECT_EQ(dec.push(241), "");
  EXPECT_EQ(dec.push(225), "\xE3\x90\x80");
  EXPECT_EQ(dec.push(19923), "Hello");
  EXPECT_EQ(dec.push(162), "");
  EXPECT_EQ(dec.flush(), "\xEF\xBF\xBD");
  EXPECT_EQ(dec.flush(), "");
  EXPECT_EQ(dec.push(128803), "<｜User｜>");
}

TEST(StreamDecoder, OutlivesItsTokenizer) {
  auto tok = std::make_unique<Tokenizer>(real_tokenizer());
  StreamDecoder dec(*tok);
  tok.reset();
  EXPECT_EQ(dec.push(19923), "Hello");
}

TEST(Tokenizer, ConcurrentEncodeMatchesSerial) {
  const Tokenizer& tok = real_tokenizer();
  std::mt19937 rng(7);
  std::vector<std::string> texts;
  for (int i = 0; i < 64; ++i) texts.push_back(random_text(rng, 300));
  std::vector<std::vector<int32_t>> serial;
  for (const auto& t : texts) serial.push_back(tok.encode(t));
  std::vector<std::vector<std::vector<int32_t>>> got(4, std::vector<std::vector<int32_t>>(texts.size()));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < texts.size(); ++i) got[t][i] = tok.encode(texts[i]);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(got[t], serial) << "thread " << t;
}

TEST(Tokenizer, LongInputs) {
  const Tokenizer& tok = real_tokenizer();
  // Long runs stress the regex engine (JIT stack) and the BPE queue.
  for (const std::string& text : {std::string(200000, ' '), std::string(200000, 'a'),
                                  std::string(100000, '\n'), std::string(60000, '!')}) {
    const auto ids = tok.encode(text);
    EXPECT_EQ(tok.decode(ids), text);
  }
  std::string mixed;
  for (int i = 0; i < 20000; ++i) mixed += "word  \t\n12345 ,.!? ";
  EXPECT_EQ(tok.decode(tok.encode(mixed)), mixed);
}

}  // namespace
}  // namespace dseek
