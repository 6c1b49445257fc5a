// GgufFile: the llama.cpp-written fixtures (tests/data/fixtures/gguf/README.md) and malformed
// files built from their bytes.
#include <gtest/gtest.h>

#include <map>

#include "gguf_test_util.h"

namespace dseek::test {
namespace {

using Counts = std::map<std::string, int>;

Counts type_counts(const std::vector<const GgufFile*>& files) {
  Counts c;
  for (const GgufFile* f : files)
    for (const auto& [name, t] : f->tensors()) ++c[std::string(dtype_name(t.dtype))];
  return c;
}

// README "Files" table.
TEST(Gguf, FixturesOpenWithTheReadmeTypeCounts) {
  const std::map<std::string, Counts> want{
      {"gguf-v32-Q8_0.gguf", {{"F32", 26}, {"Q8_0", 45}}},
      {"gguf-v32-Q6_K.gguf", {{"F32", 26}, {"Q6_K", 42}, {"Q8_0", 3}}},
      {"gguf-v32-Q4_K_M.gguf", {{"F32", 26}, {"Q4_K", 39}, {"Q5_0", 3}, {"Q6_K", 3}}},
      {"gguf-v32-IQ4_XS.gguf", {{"F32", 26}, {"IQ4_NL", 3}, {"IQ4_XS", 41}, {"Q6_K", 1}}},
      {"gguf-v32-IQ2_XXS-mix.gguf",
       {{"F32", 26}, {"IQ2_XXS", 3}, {"Q2_K", 5}, {"Q4_K", 3}, {"Q5_K", 1}, {"Q6_K", 6}, {"Q8_0", 27}}},
      {"gguf-v32-IQ1_S-mix.gguf",
       {{"F32", 26}, {"IQ1_S", 2}, {"IQ2_XXS", 1}, {"IQ4_NL", 3}, {"Q2_K", 1}, {"Q3_K", 4}, {"Q4_K", 6},
        {"Q5_1", 3}, {"Q5_K", 25}}},
  };
  const std::map<std::string, int64_t> file_type{{"gguf-v32-Q8_0.gguf", 7},     {"gguf-v32-Q6_K.gguf", 18},
                                                 {"gguf-v32-Q4_K_M.gguf", 15},  {"gguf-v32-IQ4_XS.gguf", 30},
                                                 {"gguf-v32-IQ2_XXS-mix.gguf", 19}, {"gguf-v32-IQ1_S-mix.gguf", 24}};
  for (const auto& [file, counts] : want) {
    SCOPED_TRACE(file);
    auto f = GgufFile::open(gguf_fixture(file));
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->alignment(), 32u);
    EXPECT_EQ(f->tensors().size(), 71u);
    EXPECT_EQ(f->tensor_order().size(), 71u);
    EXPECT_EQ(type_counts({f.get()}), counts);
    EXPECT_EQ(f->get_int("general.file_type"), file_type.at(file));
    EXPECT_EQ(f->file_size(), std::filesystem::file_size(gguf_fixture(file)));
    for (const auto& [name, t] : f->tensors()) {
      EXPECT_EQ(t.name, name);
      EXPECT_EQ(t.nbytes, t.expected_bytes());
      EXPECT_GT(t.nbytes, 0u);
      EXPECT_EQ(*t.file, f->path());
      EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 32, 0u) << name;
    }
  }
  auto p1 = GgufFile::open(gguf_fixture("gguf-v32-Q2_K-00001-of-00002.gguf"));
  auto p2 = GgufFile::open(gguf_fixture("gguf-v32-Q2_K-00002-of-00002.gguf"));
  EXPECT_EQ(p1->tensors().size(), 36u);
  EXPECT_EQ(p2->tensors().size(), 35u);
  EXPECT_EQ(type_counts({p1.get(), p2.get()}), (Counts{{"F32", 26}, {"Q2_K", 33}, {"Q3_K", 8}, {"Q4_0", 3}, {"Q6_K", 1}}));
  EXPECT_EQ(p1->get_int("split.count"), 2);
  EXPECT_EQ(p1->get_int("split.no"), 0);
  EXPECT_EQ(p1->get_int("split.tensors.count"), 71);
  EXPECT_EQ(p2->get_int("split.no"), 1);
  EXPECT_EQ(p2->metadata().size(), 3u);

  // The README lists an imatrix file that not every copy of the fixtures ships.
  if (std::string p = gguf_fixture("imatrix-gguf-v32.gguf"); !p.empty()) {
    auto im = GgufFile::open(p);
    EXPECT_EQ(im->get_string("general.type"), "imatrix");
    EXPECT_EQ(im->tensors().size(), 56u);  // 28 weights x {in_sum2, counts}
  }
}

TEST(Gguf, VocabOnlyTokenizer) {
  auto f = GgufFile::open(vocab_only_gguf());
  EXPECT_TRUE(f->tensors().empty());
  EXPECT_EQ(f->get_string("general.architecture"), "deepseek32");
  EXPECT_EQ(f->get_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(f->get_string("tokenizer.ggml.pre"), "deepseek-v3");
  const auto& tokens = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 129280u);
  EXPECT_EQ(tokens[3], "!");
  EXPECT_EQ(tokens[129279], "[PAD129279]");
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.merges").size(), 127741u);
  const auto& types = f->get_int_array("tokenizer.ggml.token_type");
  ASSERT_EQ(types.size(), 129280u);
  std::map<int64_t, int> n;
  for (int64_t t : types) ++n[t];
  EXPECT_EQ(n, (std::map<int64_t, int>{{1, 127997}, {3, 816}, {4, 2}, {5, 465}}));
  EXPECT_EQ(f->get_int("tokenizer.ggml.bos_token_id"), 0);
  EXPECT_EQ(f->get_int("tokenizer.ggml.eos_token_id"), 1);
  EXPECT_TRUE(f->get_bool("tokenizer.ggml.add_bos_token", false));
  EXPECT_FALSE(f->get_bool("tokenizer.ggml.add_eos_token", true));
  EXPECT_NE(f->get_string("tokenizer.chat_template").find("add_generation_prompt"), std::string::npos);
}

// Numpy shapes are ggml ne reversed (README mapping table).
TEST(Gguf, ShapesAreNeReversed) {
  auto f = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  auto shape = [&](const std::string& n) { return f->find(n) ? f->find(n)->shape : std::vector<int64_t>{-1}; };
  using S = std::vector<int64_t>;
  EXPECT_EQ(shape("blk.0.attn_k_b.weight"), (S{4, 256, 128}));  // [H, kv_lora, nope]
  EXPECT_EQ(shape("blk.0.attn_v_b.weight"), (S{4, 128, 256}));  // [H, v, kv_lora]
  EXPECT_EQ(shape("blk.1.ffn_gate_exps.weight"), (S{6, 256, 256}));  // [E, out, in]
  EXPECT_EQ(shape("blk.1.ffn_down_exps.weight"), (S{6, 256, 256}));
  EXPECT_EQ(shape("blk.0.attn_q_b.weight"), (S{768, 256}));  // H * (nope + rope), q_lora
  EXPECT_EQ(shape("blk.0.attn_kv_a_mqa.weight"), (S{320, 256}));
  EXPECT_EQ(shape("blk.1.ffn_gate_inp.weight"), (S{6, 256}));
  EXPECT_EQ(shape("blk.1.exp_probs_b.bias"), (S{6}));
  EXPECT_EQ(shape("token_embd.weight"), (S{512, 256}));
  EXPECT_EQ(shape("blk.0.indexer.proj.weight"), (S{4, 256}));
  const TensorView* kb = f->find("blk.0.attn_k_b.weight");
  ASSERT_TRUE(kb);
  EXPECT_EQ(kb->dtype, DType::Q8_0);
  EXPECT_EQ(kb->nbytes, size_t(4 * 256) * (128 / 32) * 34);
  EXPECT_EQ(f->find("nope"), nullptr);
}

TEST(Gguf, TypedMetadataGetters) {
  auto f = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  EXPECT_EQ(f->get_int("deepseek32.block_count"), 3);
  EXPECT_EQ(f->get_int("deepseek32.block_count", 7), 3);
  EXPECT_EQ(f->get_int("deepseek32.absent", 7), 7);
  EXPECT_EQ(f->get_float("deepseek32.expert_weights_scale"), 2.5);
  EXPECT_EQ(f->get_float("deepseek32.block_count"), 3.0);  // integers read as numbers
  EXPECT_FLOAT_EQ(static_cast<float>(f->get_float("deepseek32.attention.layer_norm_rms_epsilon")), 1e-6f);
  EXPECT_EQ(f->get_float("absent", 0.5), 0.5);
  EXPECT_TRUE(f->get_bool("deepseek32.expert_weights_norm", false));
  EXPECT_EQ(f->get_string("general.name"), "gguf-v32");
  EXPECT_EQ(f->get_string("absent", "x"), "x");
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.tokens").size(), 512u);
  EXPECT_EQ(f->get_string_array("tokenizer.ggml.merges").size(), 253u);
  const GgufValue* v = f->find_kv("deepseek32.rope.freq_base");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->type, GgufType::FLOAT32);
  EXPECT_EQ(f->find_kv("absent"), nullptr);

  const std::string p = f->path();
  std::string e = error_of([&] { f->get_int("general.name"); });
  EXPECT_NE(e.find(p), std::string::npos) << e;
  EXPECT_NE(e.find("'general.name' has type STRING"), std::string::npos) << e;
  e = error_of([&] { f->get_string("deepseek32.block_count"); });
  EXPECT_NE(e.find("'deepseek32.block_count' has type UINT32, expected STRING"), std::string::npos) << e;
  e = error_of([&] { f->get_bool("deepseek32.block_count", false); });
  EXPECT_NE(e.find("deepseek32.block_count"), std::string::npos) << e;
  e = error_of([&] { f->get_float("general.name"); });
  EXPECT_NE(e.find("general.name"), std::string::npos) << e;
  e = error_of([&] { f->get_int_array("tokenizer.ggml.tokens"); });
  EXPECT_NE(e.find("ARRAY of STRING"), std::string::npos) << e;
  e = error_of([&] { f->get_float_array("tokenizer.ggml.token_type"); });
  EXPECT_NE(e.find("tokenizer.ggml.token_type"), std::string::npos) << e;
  e = error_of([&] { f->get_string_array("general.name"); });
  EXPECT_NE(e.find("general.name"), std::string::npos) << e;
  e = error_of([&] { f->get_int("absent.key"); });
  EXPECT_NE(e.find(p + ": missing metadata key 'absent.key'"), std::string::npos) << e;
  EXPECT_EQ(f->get_int_array("tokenizer.ggml.token_type").size(), 512u);
}

// --- malformed files, each built from a fixture's bytes ---

struct Malformed : ::testing::Test {
  TempDir tmp;
  std::vector<uint8_t> bytes = read_bytes(gguf_fixture("gguf-v32-Q8_0.gguf"));
  std::string path = tmp.path("bad.gguf");
  // Opens the edited bytes (the first n) and returns the error message.
  std::string open_error(size_t n = SIZE_MAX) {
    write_bytes(path, bytes, n);
    std::string e = error_of([&] { GgufFile::open(path); });
    EXPECT_NE(e.find(path), std::string::npos) << "message names the file: " << e;
    return e;
  }
  // Offset of the ggml type of tensor `name` (after name, n_dims, ne).
  size_t type_offset(const std::string& name) {
    size_t at = after_string(bytes, name);
    uint32_t n_dims;
    std::memcpy(&n_dims, bytes.data() + at, 4);
    return at + 4 + 8 * n_dims;
  }
};

TEST_F(Malformed, BadMagic) {
  bytes[0] = 'X';
  EXPECT_NE(open_error().find("bad magic"), std::string::npos);
  EXPECT_NE(open_error(10).find("not a GGUF file"), std::string::npos);
}

TEST_F(Malformed, VersionOneAndUnknownVersions) {
  poke<uint32_t>(bytes, 4, 1);
  EXPECT_NE(open_error().find("version 1"), std::string::npos);
  poke<uint32_t>(bytes, 4, 4);
  EXPECT_NE(open_error().find("version 4"), std::string::npos);
  poke<uint32_t>(bytes, 4, 0x03000000);
  EXPECT_NE(open_error().find("big-endian"), std::string::npos);
  poke<uint32_t>(bytes, 4, 2);  // v2 reads like v3
  write_bytes(path, bytes);
  EXPECT_EQ(GgufFile::open(path)->version(), 2u);
}

TEST_F(Malformed, TruncatedHeader) {
  for (size_t n : {30, 200, 5000}) open_error(n);
  // Cut inside the tensor infos: the message names the tensor being read.
  size_t at = after_string(bytes, "blk.0.attn_q_b.weight");
  std::string e = open_error(at + 6);
  EXPECT_NE(e.find("tensor 'blk.0.attn_q_b.weight'"), std::string::npos) << e;
}

TEST_F(Malformed, TruncatedTensorData) {
  auto f = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  std::string last;
  const uint8_t* end = nullptr;
  size_t last_bytes = 0;
  for (const auto& [name, t] : f->tensors())
    if (t.data + t.nbytes > end) end = t.data + t.nbytes, last = name, last_bytes = t.nbytes;
  std::string e = open_error(bytes.size() - last_bytes / 2);
  EXPECT_NE(e.find("tensor '" + last + "'"), std::string::npos) << e;
  EXPECT_NE(e.find("past the end"), std::string::npos) << e;
}

TEST_F(Malformed, UnknownGgmlType) {
  poke<uint32_t>(bytes, type_offset("blk.0.attn_q_a.weight"), 17);
  std::string e = open_error();
  EXPECT_NE(e.find("tensor 'blk.0.attn_q_a.weight' has ggml type IQ2_XS (17), which dseek does not support"),
            std::string::npos)
      << e;
  poke<uint32_t>(bytes, type_offset("blk.0.attn_q_a.weight"), 999);
  e = open_error();
  EXPECT_NE(e.find("type 999 (999)"), std::string::npos) << e;
}

TEST_F(Malformed, RowNotAMultipleOfTheBlock) {
  // ne0 of a Q8_0 tensor 256 -> 250.
  poke<uint64_t>(bytes, after_string(bytes, "blk.0.attn_q_a.weight") + 4, 250);
  std::string e = open_error();
  EXPECT_NE(e.find("tensor 'blk.0.attn_q_a.weight' has rows of 250"), std::string::npos) << e;
}

TEST_F(Malformed, MisalignedOffsetAndTooManyDims) {
  size_t off_at = type_offset("blk.0.attn_q_a.weight") + 4;
  uint64_t off;
  std::memcpy(&off, bytes.data() + off_at, 8);
  poke<uint64_t>(bytes, off_at, off + 4);
  EXPECT_NE(open_error().find("not a multiple of the alignment"), std::string::npos);
  poke<uint64_t>(bytes, off_at, off);
  poke<uint32_t>(bytes, after_string(bytes, "blk.0.attn_q_a.weight"), 9);
  EXPECT_NE(open_error().find("tensor 'blk.0.attn_q_a.weight' has 9 dimensions"), std::string::npos);
}

TEST_F(Malformed, HugeLengths) {
  // A string value of length 2^62: an error, not an allocation.
  poke<uint64_t>(bytes, after_string(bytes, "general.name") + 4, uint64_t(1) << 62);
  std::string e = open_error();
  EXPECT_NE(e.find("metadata key 'general.name'"), std::string::npos) << e;
  bytes = read_bytes(gguf_fixture("gguf-v32-Q8_0.gguf"));
  // An array of 2^60 strings.
  poke<uint64_t>(bytes, after_string(bytes, "tokenizer.ggml.tokens") + 8, uint64_t(1) << 60);
  e = open_error();
  EXPECT_NE(e.find("metadata key 'tokenizer.ggml.tokens'"), std::string::npos) << e;
  bytes = read_bytes(gguf_fixture("gguf-v32-Q8_0.gguf"));
  // An array of 2^61 INT32 (token types).
  poke<uint64_t>(bytes, after_string(bytes, "tokenizer.ggml.token_type") + 8, uint64_t(1) << 61);
  e = open_error();
  EXPECT_NE(e.find("'tokenizer.ggml.token_type': array of 2305843009213693952 INT32 cannot fit"), std::string::npos) << e;
  bytes = read_bytes(gguf_fixture("gguf-v32-Q8_0.gguf"));
  // A key of length 2^63 and absurd counts.
  poke<uint64_t>(bytes, 24, uint64_t(1) << 63);
  open_error();
  bytes = read_bytes(gguf_fixture("gguf-v32-Q8_0.gguf"));
  poke<uint64_t>(bytes, 8, uint64_t(1) << 50);
  EXPECT_NE(open_error().find("tensor count"), std::string::npos);
  poke<uint64_t>(bytes, 8, 71);
  poke<uint64_t>(bytes, 16, ~uint64_t(0));
  EXPECT_NE(open_error().find("metadata count"), std::string::npos);
}

TEST_F(Malformed, BadValueTypes) {
  // general.name's type tag STRING -> 77.
  poke<uint32_t>(bytes, after_string(bytes, "general.name"), 77);
  EXPECT_NE(open_error().find("metadata key 'general.name' has unknown value type 77"), std::string::npos);
  bytes = read_bytes(gguf_fixture("gguf-v32-Q8_0.gguf"));
  // tokenizer.ggml.tokens' element type STRING -> ARRAY (nested arrays).
  poke<uint32_t>(bytes, after_string(bytes, "tokenizer.ggml.tokens") + 4, 9);
  EXPECT_NE(open_error().find("nested"), std::string::npos);
}

TEST_F(Malformed, MissingFile) {
  std::string e = error_of([&] { GgufFile::open(tmp.path("absent.gguf")); });
  EXPECT_NE(e.find(tmp.path("absent.gguf")), std::string::npos) << e;
}

}  // namespace
}  // namespace dseek::test
