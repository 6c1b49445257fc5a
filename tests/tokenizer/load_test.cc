// Tokenizer::load: error reporting, and the accepted file variants on a tiny synthetic vocab.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"

namespace dseek {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A scratch directory removed when the test ends.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("dseek_tok_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

// A minimal valid byte-level tokenizer: ids 0..255 are the bytes, then "ab"=256, "bc"=257,
// "abc"=258, "aa"=259, and added tokens <s>=300 (special) and <x>=301.
json tiny_tokenizer(bool array_merges = false) {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) {
    vocab[byte_level::bytes_to_piece(std::string(1, static_cast<char>(b)))] = b;
  }
  vocab["ab"] = 256;
  vocab["bc"] = 257;
  vocab["abc"] = 258;
  vocab["aa"] = 259;
  json merges = json::array();
  for (auto [l, r] : std::vector<std::pair<const char*, const char*>>{
           {"a", "b"}, {"b", "c"}, {"ab", "c"}, {"a", "a"}}) {
    if (array_merges) {
      merges.push_back(json::array({l, r}));
    } else {
      merges.push_back(std::string(l) + " " + r);
    }
  }
  return json{
      {"version", "1.0"},
      {"added_tokens",
       json::array({{{"id", 300}, {"content", "<s>"}, {"special", true}},
                    {{"id", 301}, {"content", "<x>"}, {"special", false}}})},
      {"normalizer", nullptr},
      {"pre_tokenizer",
       {{"type", "Sequence"},
        {"pretokenizers",
         json::array({{{"type", "Split"},
                       {"pattern", {{"String", "-"}}},
                       {"behavior", "Isolated"},
                       {"invert", false}},
                      {{"type", "Split"},
                       {"pattern", {{"Regex", "\\s+"}}},
                       {"behavior", "Isolated"},
                       {"invert", false}},
                      {{"type", "ByteLevel"},
                       {"add_prefix_space", false},
                       {"trim_offsets", true},
                       {"use_regex", false}}})}}},
      {"post_processor", nullptr},
      {"decoder", {{"type", "ByteLevel"}}},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"vocab", vocab}, {"merges", merges}}},
  };
}

// Expects load(path) to throw dseek::Error whose message has the path and every `parts`.
void expect_load_error(const std::string& path, const std::vector<std::string>& parts) {
  try {
    Tokenizer::load(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "want '" << p << "' in: " << msg;
  }
}

TEST(TokenizerLoad, MissingFile) {
  TempDir tmp;
  expect_load_error(tmp.path("nope.json"), {"cannot open"});
}

TEST(TokenizerLoad, Directory) {
  TempDir tmp;
  expect_load_error(tmp.path(""), {"directory"});
}

TEST(TokenizerLoad, BadJson) {
  TempDir tmp;
  expect_load_error(tmp.write("bad.json", "{\"model\": {\"vocab\": {"), {"invalid JSON"});
  expect_load_error(tmp.write("empty.json", ""), {"invalid JSON"});
  expect_load_error(tmp.write("array.json", "[1, 2]"), {"object"});
}

TEST(TokenizerLoad, MissingModelOrVocab) {
  TempDir tmp;
  json j = tiny_tokenizer();
  j.erase("model");
  expect_load_error(tmp.write("nomodel.json", j.dump()), {"model", "missing"});
  j = tiny_tokenizer();
  j["model"].erase("vocab");
  expect_load_error(tmp.write("novocab.json", j.dump()), {"model.vocab", "missing"});
  j = tiny_tokenizer();
  j["model"].erase("merges");
  expect_load_error(tmp.write("nomerges.json", j.dump()), {"model.merges", "missing"});
}

TEST(TokenizerLoad, MalformedFields) {
  TempDir tmp;
  struct Case {
    const char* name;
    void (*mutate)(json&);
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {"vocab_type", [](json& j) { j["model"]["vocab"] = json::array(); }, {"model.vocab"}},
      {"merges_type", [](json& j) { j["model"]["merges"] = json::object(); }, {"model.merges"}},
      {"vocab_nested", [](json& j) { j["model"]["vocab"]["ab"] = json::array({256}); },
       {"model.vocab[\"ab\"]"}},
      {"vocab_id", [](json& j) { j["model"]["vocab"]["ab"] = "x"; }, {"model.vocab[\"ab\"]"}},
      {"vocab_neg", [](json& j) { j["model"]["vocab"]["ab"] = -3; }, {"model.vocab[\"ab\"]"}},
      {"vocab_dup", [](json& j) { j["model"]["vocab"]["zz"] = 256; }, {"used twice"}},
      {"no_byte", [](json& j) { j["model"]["vocab"].erase("Ġ"); }, {"model.vocab", "byte 32"}},
      {"merge_unknown", [](json& j) { j["model"]["merges"].push_back("q zz"); },
       {"model.merges[4]", "zz"}},
      {"merge_result", [](json& j) { j["model"]["merges"].push_back("c a"); },
       {"model.merges[4]", "ca"}},
      {"merge_shape", [](json& j) { j["model"]["merges"].push_back("abc"); }, {"model.merges[4]"}},
      {"merge_pair", [](json& j) { j["model"]["merges"].push_back(json::array({"a"})); },
       {"model.merges[4]"}},
      {"model_type", [](json& j) { j["model"]["type"] = "WordPiece"; }, {"model.type"}},
      {"dropout", [](json& j) { j["model"]["dropout"] = 0.1; }, {"model.dropout"}},
      {"byte_fallback", [](json& j) { j["model"]["byte_fallback"] = true; }, {"model.byte_fallback"}},
      {"added_id", [](json& j) { j["added_tokens"][0].erase("id"); }, {"added_tokens[0].id"}},
      {"added_content", [](json& j) { j["added_tokens"][1]["content"] = ""; },
       {"added_tokens[1].content"}},
      {"added_lstrip", [](json& j) { j["added_tokens"][1]["lstrip"] = true; },
       {"added_tokens[1].lstrip"}},
      {"added_dup", [](json& j) { j["added_tokens"][1]["id"] = 300; }, {"added_tokens[1].id"}},
      {"normalizer", [](json& j) { j["normalizer"] = {{"type", "NFC"}}; }, {"normalizer"}},
      {"no_pre", [](json& j) { j.erase("pre_tokenizer"); }, {"pre_tokenizer", "missing"}},
      {"pre_no_bytelevel",
       [](json& j) { j["pre_tokenizer"]["pretokenizers"].erase(2); }, {"pre_tokenizer", "ByteLevel"}},
      {"pre_kind", [](json& j) { j["pre_tokenizer"]["pretokenizers"][0]["type"] = "Whitespace"; },
       {"pre_tokenizer.pretokenizers[0].type"}},
      {"pre_behavior",
       [](json& j) { j["pre_tokenizer"]["pretokenizers"][1]["behavior"] = "Removed"; },
       {"pre_tokenizer.pretokenizers[1].behavior"}},
      {"pre_regex",
       [](json& j) { j["pre_tokenizer"]["pretokenizers"][1]["pattern"]["Regex"] = "(a"; },
       {"pre_tokenizer.pretokenizers[1].pattern", "compile"}},
      {"pre_nested",
       [](json& j) { j["pre_tokenizer"]["pretokenizers"][1]["pattern"]["Regex"] = "[a[b]]"; },
       {"pre_tokenizer.pretokenizers[1].pattern", "nested"}},
      {"bytelevel_regex",
       [](json& j) { j["pre_tokenizer"]["pretokenizers"][2]["use_regex"] = true; },
       {"pre_tokenizer.pretokenizers[2].use_regex"}},
      {"bytelevel_prefix",
       [](json& j) { j["pre_tokenizer"]["pretokenizers"][2].erase("add_prefix_space"); },
       {"pre_tokenizer.pretokenizers[2].add_prefix_space"}},
      {"decoder", [](json& j) { j["decoder"] = {{"type", "WordPiece"}}; }, {"decoder"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json j = tiny_tokenizer();
    c.mutate(j);
    expect_load_error(tmp.write(std::string(c.name) + ".json", j.dump()), c.parts);
  }
}

TEST(TokenizerLoad, RealFileLoads) {
  // The error cases above must not make the real file look bad.
  const Tokenizer tok = Tokenizer::load(std::string(DSEEK_REPO_DIR) + "/models/nano-agent/tokenizer.json");
  EXPECT_EQ(tok.vocab_size(), 128815u);
}

TEST(TinyTokenizer, StringAndArrayMergesAgree) {
  TempDir tmp;
  const Tokenizer a = Tokenizer::load(tmp.write("a.json", tiny_tokenizer(false).dump()));
  const Tokenizer b = Tokenizer::load(tmp.write("b.json", tiny_tokenizer(true).dump()));
  for (const char* text : {"abc", "aaa", "abcabc", "a-bc", "x<s>y<x>", "bca  ab"}) {
    EXPECT_EQ(a.encode(text), b.encode(text)) << text;
  }
  EXPECT_EQ(a.vocab_size(), 302u);
}

TEST(TinyTokenizer, BpeOrderAndPreTokenizer) {
  TempDir tmp;
  const Tokenizer tok = Tokenizer::load(tmp.write("t.json", tiny_tokenizer().dump()));
  // "ab" (rank 0) merges before "bc" (rank 1), then "ab"+"c" (rank 2).
  EXPECT_EQ(tok.encode("abc"), (std::vector<int32_t>{258}));
  // Equal ranks: the leftmost pair goes first.
  EXPECT_EQ(tok.encode("aaa"), (std::vector<int32_t>{259, 'a'}));
  // The String split isolates "-", so "ab" cannot form across it.
  EXPECT_EQ(tok.encode("a-bc"), (std::vector<int32_t>{'a', '-', 257}));
  // Whitespace runs are isolated: no merge reaches across.
  EXPECT_EQ(tok.encode("ab ab"), (std::vector<int32_t>{256, ' ', 256}));
  // Added tokens, special or not, are cut out first.
  EXPECT_EQ(tok.encode("a<s>b<x>"), (std::vector<int32_t>{'a', 300, 'b', 301}));
  EXPECT_EQ(tok.decode({'a', 300, 'b', 301}), "a<s>b<x>");
  EXPECT_EQ(tok.decode({'a', 300, 'b', 301}, true), "ab<x>");
  EXPECT_TRUE(tok.is_special(300));
  EXPECT_FALSE(tok.is_special(301));
  EXPECT_TRUE(tok.is_added(301));
  EXPECT_FALSE(tok.is_added(258));
  EXPECT_EQ(tok.id_to_token(280), "");  // a gap between vocab and added ids
  EXPECT_EQ(tok.decode({280, 256}), "ab");
}

TEST(TinyTokenizer, LeftmostLongestAddedTokens) {
  TempDir tmp;
  json j = tiny_tokenizer();
  j["added_tokens"].push_back({{"id", 302}, {"content", "<s>x"}, {"special", true}});
  j["added_tokens"].push_back({{"id", 303}, {"content", "a<"}, {"special", false}});
  const Tokenizer tok = Tokenizer::load(tmp.write("t.json", j.dump()));
  // Within one pass the longest content starting leftmost wins.
  EXPECT_EQ(tok.encode("<s>x<s>"), (std::vector<int32_t>{302, 300}));
  // HF's first pass takes the normalized=false (special) tokens over the whole text, so the
  // special <s> wins over the earlier-starting but normalized "a<".
  EXPECT_EQ(tok.encode("a<s>"), (std::vector<int32_t>{'a', 300}));
  EXPECT_EQ(tok.encode("a<b"), (std::vector<int32_t>{303, 'b'}));
}

}  // namespace
}  // namespace dseek
