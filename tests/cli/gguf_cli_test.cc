// `-m FILE.gguf` through the dseek binary: inspect (plan, split sets from any part), tokenize
// from the GGUF's own tokenizer, score within the fixture tolerance, and one clear error line
// (exit 1) naming the file and the tensor or key for each kind of malformed GGUF.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/golden.h"
#include "run_util.h"
#include "weights/gguf_test_util.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

TEST(GgufCli, InspectSplitFromSecondPart) {
  const RunResult r = run_dseek("inspect -m " + quote(gguf_fixture("gguf-v32-Q2_K-00002-of-00002.gguf")));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("2 part(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("routed experts   Q2_K"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not executed"), std::string::npos) << r.out;
  const RunResult j = run_dseek("inspect --json -m " + quote(gguf_fixture("gguf-v32-Q2_K-00001-of-00002.gguf")));
  ASSERT_EQ(j.status, 0) << j.err;
  const auto plan = nlohmann::json::parse(j.out)["gguf"];
  // Both parts' bytes: the README's file sizes less headers and padding.
  EXPECT_GT(plan["total_bytes"].get<double>(), 2.2e6);
  EXPECT_LT(plan["total_bytes"].get<double>(), 2404352.0);
  EXPECT_EQ(plan["classes"]["attention"]["Q4_0"]["tensors"], 2);  // attn_k_b of blocks 0 and 1
  EXPECT_EQ(plan["classes"]["routed experts"]["Q3_K"]["tensors"], 1);
}

TEST(GgufCli, TokenizeFromVocabOnlyGgufMatchesTokenizerJson) {
  TempDir t;
  const std::string text = "Hello, world! 你好 <｜User｜>12345 <think>x</think>\n\tcode();";
  std::ofstream(t.path("t.txt")) << text;
  const RunResult g = run_dseek("tokenize -m " + quote(vocab_only_gguf()) + " --text-file " + quote(t.path("t.txt")));
  const RunResult j = run_dseek("tokenize -m " + quote(repo_dir() + "/models/nano-agent") + " --text-file " + quote(t.path("t.txt")));
  ASSERT_EQ(g.status, 0) << g.err;
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_EQ(g.out, j.out);
}

TEST(GgufCli, ScoreWithinTolerance) {
  TempDir t;
  auto golden = SafetensorsFile::open(gguf_fixture("gguf-v32-Q4_K_M.golden.safetensors"));
  std::vector<int64_t> ids = as_i64(golden->get("prompt0.tokens"));
  std::ofstream(t.path("ids.json")) << nlohmann::json(ids).dump();
  for (const char* path : {"prefill", "decode"}) {
    const std::string out = t.path(std::string(path) + ".safetensors");
    const RunResult r = run_dseek("score -m " + quote(gguf_fixture("gguf-v32-Q4_K_M.gguf")) + " --ids-file " +
                                  quote(t.path("ids.json")) + " --out " + quote(out) +
                                  (std::string(path) == "decode" ? " --decode" : ""));
    ASSERT_EQ(r.status, 0) << r.err;
    const std::vector<float> got = as_f32(SafetensorsFile::open(out)->get("logits"));
    const std::vector<float> want = as_f32(golden->get(std::string("prompt0.") + path + ".logits"));
    ASSERT_EQ(got.size(), want.size());
    EXPECT_LE(max_abs_diff(got.data(), want.data(), got.size()), 1e-3f) << path;
  }
}

// --numerics int8 reaches the int8 kernels from the command line: the logits move off the
// fp32 goldens by more than the exact path's 1e-3 but stay as close as llama.cpp's quantised
// activations get (its max there: 2.4); prefill and decode agree on the argmax of most rows.
TEST(GgufCli, ScoreWithInt8Numerics) {
  TempDir t;
  auto golden = SafetensorsFile::open(gguf_fixture("gguf-v32-Q4_K_M.golden.safetensors"));
  std::vector<int64_t> ids = as_i64(golden->get("prompt0.tokens"));
  std::ofstream(t.path("ids.json")) << nlohmann::json(ids).dump();
  const std::string out = t.path("int8.safetensors");
  const RunResult r = run_dseek("score --numerics int8 -m " + quote(gguf_fixture("gguf-v32-Q4_K_M.gguf")) +
                                " --ids-file " + quote(t.path("ids.json")) + " --out " + quote(out));
  ASSERT_EQ(r.status, 0) << r.err;
  const std::vector<float> got = as_f32(SafetensorsFile::open(out)->get("logits"));
  const std::vector<float> want = as_f32(golden->get("prompt0.prefill.logits"));
  ASSERT_EQ(got.size(), want.size());
  const float d = max_abs_diff(got.data(), want.data(), got.size());
  EXPECT_GT(d, 1e-3f);
  EXPECT_LT(d, 2.4f);
  const RunResult bad = run_dseek("score --numerics fast -m " + quote(gguf_fixture("gguf-v32-Q4_K_M.gguf")) +
                                  " --ids-file " + quote(t.path("ids.json")) + " --out " + quote(out));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("int8"), std::string::npos) << bad.err;
}

// A directory where an input file is expected: one line naming it, exit 1 (not an internal
// error, not an empty result).
TEST(GgufCli, DirectoryAsInputFileIsNamed) {
  TempDir t;
  const std::string dir = t.path("");
  for (const std::string& args :
       {"score -m " + quote(gguf_fixture("gguf-v32-Q8_0.gguf")) + " --out " + quote(t.path("o.safetensors")) +
            " --ids-file " + quote(dir),
        "tokenize -m " + quote(gguf_fixture("gguf-v32-Q8_0.gguf")) + " --text-file " + quote(dir)}) {
    const RunResult r = run_dseek(args);
    EXPECT_EQ(r.status, 1) << args;
    EXPECT_NE(r.err.find(": is a directory, not a file"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
}

TEST(GgufCli, InspectVocabOnlyGguf) {
  const std::string v = vocab_only_gguf();
  const RunResult r = run_dseek("inspect -m " + quote(v));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find(v + "  (deepseek_v32; GGUF deepseek32"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hidden 7168, layers 61 (3 dense), heads 128, q_lora 1536, kv_lora 512, vocab 129280"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("tokenizer: gpt2 (pre deepseek-v3), 129280 tokens (127997 normal, 816 control, 2 user-defined, "
                       "465 unused), 127741 merges; BOS 0, EOS 1, pad 1; adds BOS yes, EOS no"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("chat template: present"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tensors: none"), std::string::npos) << r.out;
  const RunResult j = run_dseek("inspect --json -m " + quote(v));
  ASSERT_EQ(j.status, 0) << j.err;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["tensors"], 0);
  EXPECT_EQ(doc["vocab_only"], true);
  EXPECT_EQ(doc["config"]["num_hidden_layers"], 61);
  EXPECT_EQ(doc["gguf"]["tokenizer"]["tokens"], 129280);
  EXPECT_EQ(doc["gguf"]["tokenizer"]["merges"], 127741);
  EXPECT_EQ(doc["gguf"]["tokenizer"]["token_types"]["unused"], 465);
  EXPECT_EQ(doc["gguf"]["tokenizer"]["eos_token_id"], 1);
}

TEST(GgufCli, InspectOfAModelGgufShowsItsTokenizer) {
  const RunResult r = run_dseek("inspect -m " + quote(gguf_fixture("gguf-v32-Q8_0.gguf")));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("tokenizer: gpt2 (pre deepseek-v3), 512 tokens ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("253 merges; BOS 0, EOS 1, pad 1"), std::string::npos) << r.out;
}

// A tokenizer.json of another model beside a GGUF: a warning naming both files, and the
// GGUF's own tokenizer (the same ids as without the tokenizer.json).
TEST(GgufCli, TokenizerJsonOfAnotherModelBesideAGguf) {
  TempDir t;
  const std::string text = "Hello, world! 12345 code();";
  std::ofstream(t.path("t.txt")) << text;
  fs::create_directories(t.path("m"));
  const std::string g = t.path("m") + "/model.gguf";
  fs::create_symlink(gguf_fixture("gguf-v32-Q8_0.gguf"), g);
  fs::create_symlink(repo_dir() + "/models/nano-agent/tokenizer.json", t.path("m") + "/tokenizer.json");
  const RunResult mixed = run_dseek("tokenize -m " + quote(g) + " --text-file " + quote(t.path("t.txt")));
  const RunResult own = run_dseek("tokenize -m " + quote(gguf_fixture("gguf-v32-Q8_0.gguf")) + " --text-file " +
                                  quote(t.path("t.txt")));
  ASSERT_EQ(mixed.status, 0) << mixed.err;
  ASSERT_EQ(own.status, 0) << own.err;
  EXPECT_EQ(mixed.out, own.out);
  EXPECT_EQ(mixed.err.rfind("dseek: warning: " + t.path("m") + "/tokenizer.json does not match the vocabulary of " + g, 0),
            0u)
      << mixed.err;
  EXPECT_EQ(std::count(mixed.err.begin(), mixed.err.end(), '\n'), 1) << mixed.err;
}

// A GGUF that lacks a tensor the model needs, or a metadata key whose default would change the
// output: one error line naming the file, the GGUF name and what it stands for.
TEST(GgufCli, MissingTensorAndMissingKeyNameTheFile) {
  TempDir t;
  auto src = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  const std::string holes = t.path("holes.gguf");
  {
    GgufWriter w(holes);
    for (const auto& [k, v] : src->metadata()) w.set(k, v);
    std::vector<std::string> names;
    for (const auto& n : src->tensor_order())
      if (n != "blk.0.ffn_gate.weight") names.push_back(n);
    for (const auto& n : names) w.add_tensor(n, src->find(n)->dtype, src->find(n)->shape);
    w.write_header();
    for (const auto& n : names) w.write_tensor(n, src->find(n)->data, src->find(n)->nbytes);
    w.finish();
  }
  RunResult r = run_dseek("inspect -m " + quote(holes));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "dseek: error: " + holes +
                       ": missing tensor 'blk.0.ffn_gate.weight' (Hugging Face name 'model.layers.0.mlp.gate_proj.weight')\n");
  const std::string no_scale = t.path("no-scale.gguf");
  rewrite_gguf(*src, no_scale, {}, {"deepseek32.expert_weights_scale"});
  r = run_dseek("inspect -m " + quote(no_scale));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("dseek: error: " + no_scale + ": missing metadata key 'deepseek32.expert_weights_scale' "
                        "(routed_scaling_factor in the model's config.json)", 0),
            0u)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

class MalformedGguf : public ::testing::Test {
 protected:
  TempDir t_;
  std::vector<uint8_t> b_ = read_bytes(gguf_fixture("gguf-v32-Q8_0.gguf"));
  std::string bad_ = t_.path("bad.gguf");

  void expect_error(size_t keep, const std::vector<std::string>& needles) {
    write_bytes(bad_, b_, keep);
    const RunResult r = run_dseek("inspect -m " + quote(bad_));
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    EXPECT_NE(r.err.find(bad_), std::string::npos) << "no file name in: " << r.err;
    for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "'" << n << "' not in: " << r.err;
  }
};

TEST_F(MalformedGguf, BadMagic) {
  b_[3] = 'X';
  expect_error(SIZE_MAX, {"GGUF"});
}

TEST_F(MalformedGguf, TruncatedHeader) { expect_error(100, {}); }

TEST_F(MalformedGguf, TruncatedTensorData) { expect_error(b_.size() - 4096, {"tensor '", "past the end"}); }

TEST_F(MalformedGguf, UnknownType) {
  const size_t at = after_string(b_, "blk.0.attn_q_a.weight");  // u32 n_dims, ne[2], u32 type
  poke<uint32_t>(b_, at + 4 + 16, 17);
  expect_error(SIZE_MAX, {"blk.0.attn_q_a.weight", "IQ2_XS"});
}

TEST_F(MalformedGguf, WrongShapeForAKnownTensor) {
  const size_t at = after_string(b_, "blk.0.attn_q_a.weight");
  poke<uint64_t>(b_, at + 4 + 8, 128);  // ne[1]: 128 rows instead of q_lora_rank 256
  expect_error(SIZE_MAX, {"blk.0.attn_q_a.weight", "shape"});
}

TEST_F(MalformedGguf, MetadataKeyOfTheWrongType) {
  const size_t at = after_string(b_, "deepseek32.block_count");  // u32 value type, then the value
  poke<uint32_t>(b_, at, 6);                                       // FLOAT32: same size, wrong type
  expect_error(SIZE_MAX, {"deepseek32.block_count"});
}

TEST_F(MalformedGguf, MissingSplitPart) {
  const std::string part1 = t_.path("m-00001-of-00002.gguf");
  write_bytes(part1, read_bytes(gguf_fixture("gguf-v32-Q2_K-00001-of-00002.gguf")));
  const RunResult r = run_dseek("inspect -m " + quote(part1));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("m-00002-of-00002.gguf"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace dseek::test
