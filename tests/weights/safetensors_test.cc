// Safetensors reader/writer and config.json parsing.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "runtime/error.h"
#include "test_paths.h"
#include "weights/checkpoint.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

std::string tmp(const std::string& name) {
  return (fs::temp_directory_path() / ("dseek_st_" + std::to_string(::getpid()) + "_" + name)).string();
}

TEST(Safetensors, WriteReadRoundTrip) {
  std::vector<float> v{1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  TensorData a{"a", DType::F32, {2, 3}, std::vector<uint8_t>(24)};
  std::memcpy(a.bytes.data(), v.data(), 24);
  TensorData b{"b.ids", DType::I64, {2}, std::vector<uint8_t>(16, 0)};
  b.bytes[0] = 7;
  std::string p = tmp("rt.safetensors");
  write_safetensors(p, {a, b}, {{"k", "v"}});
  auto f = SafetensorsFile::open(p);
  ASSERT_EQ(f->tensors().size(), 2u);
  const TensorView& t = f->get("a");
  EXPECT_EQ(t.dtype, DType::F32);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(0, std::memcmp(t.data, v.data(), 24));
  EXPECT_EQ(f->get("b.ids").data[0], 7);
  EXPECT_EQ(f->metadata().at("k"), "v");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 8, 0u) << "data block aligned";
  EXPECT_THROW(f->get("missing"), Error);
  fs::remove(p);
}

TEST(Safetensors, RejectsBadFiles) {
  std::string p = tmp("bad.safetensors");
  std::ofstream(p) << "abc";
  try {
    SafetensorsFile::open(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos);
  }
  // Offsets past the end of the data block.
  std::string h = R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  uint64_t n = h.size();
  std::ofstream o(p, std::ios::binary | std::ios::trunc);
  o.write(reinterpret_cast<const char*>(&n), 8);
  o << h << "12345678";
  o.close();
  EXPECT_THROW(SafetensorsFile::open(p), Error);
  // Byte count that does not match dtype x shape.
  h = R"({"x":{"dtype":"BF16","shape":[4],"data_offsets":[0,4]}})";
  n = h.size();
  o.open(p, std::ios::binary | std::ios::trunc);
  o.write(reinterpret_cast<const char*>(&n), 8);
  o << h << "1234";
  o.close();
  EXPECT_THROW(SafetensorsFile::open(p), Error);
  // Unknown dtype.
  h = R"({"x":{"dtype":"Q4_K","shape":[4],"data_offsets":[0,4]}})";
  n = h.size();
  o.open(p, std::ios::binary | std::ios::trunc);
  o.write(reinterpret_cast<const char*>(&n), 8);
  o << h << "1234";
  o.close();
  EXPECT_THROW(SafetensorsFile::open(p), Error);
  fs::remove(p);
}

// Found by fuzz/safetensors: a shape whose element count overflows int64 (UB in numel()), and
// one whose byte count wraps to 0 (2^62 F32 elements accepted for 0 bytes of data).
TEST(Safetensors, RejectsShapesThatOverflow) {
  const std::string p = tmp("overflow.safetensors");
  for (const std::string shape : {"[4294967296, 4294967296]", "[4611686018427387904]", "[4294967296, 4294967296, 0]"}) {
    const std::string h = R"({"x":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,0]}})";
    const uint64_t n = h.size();
    std::ofstream o(p, std::ios::binary | std::ios::trunc);
    o.write(reinterpret_cast<const char*>(&n), 8);
    o << h;
    o.close();
    try {
      SafetensorsFile::open(p);
      ADD_FAILURE() << shape << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("is too large"), std::string::npos) << e.what();
    }
  }
  fs::remove(p);
}

// Found by fuzz/safetensors_index: an empty weight_map read shard 0 of no shards.
TEST(Checkpoint, IndexWithEmptyWeightMapIsAnError) {
  const fs::path dir = tmp("empty_index");
  fs::create_directories(dir);
  write_safetensors((dir / "a.safetensors").string(), {{"x", DType::F32, {2}, std::vector<uint8_t>(8, 0)}});
  std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map": {}})";
  try {
    Checkpoint::open_tensors(dir.string());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'weight_map' names no tensor"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

TEST(Checkpoint, ShardedFixtureHasEveryIndexedTensor) {
  auto ck = Checkpoint::open(data_path("fixtures/tiny-moe-dsa"));
  EXPECT_EQ(ck->files().size(), 2u);
  EXPECT_EQ(ck->config().model_type, "deepseek_v32");
  EXPECT_EQ(ck->config().index_topk, 16);
  const TensorView& w = ck->get("model.layers.0.self_attn.kv_a_proj_with_mqa.weight");
  EXPECT_EQ(w.dtype, DType::F8_E4M3);
  EXPECT_EQ(w.shape, (std::vector<int64_t>{320, 256}));
  EXPECT_EQ(ck->get("model.layers.0.self_attn.kv_a_proj_with_mqa.weight_scale_inv").shape, (std::vector<int64_t>{3, 2}));
}

TEST(Config, RealConfigAndErrors) {
  ModelConfig c = ModelConfig::from_file(repo_dir() + "/tests/data/deepseek-v3.2-config/config.json");
  EXPECT_EQ(c.hidden_size, 7168);
  EXPECT_EQ(c.num_hidden_layers, 61);
  EXPECT_EQ(c.index_topk, 2048);
  EXPECT_EQ(c.n_routed_experts, 256);
  EXPECT_EQ(c.scale_fmt, "ue8m0");
  EXPECT_DOUBLE_EQ(c.rope_factor, 40.0);
  EXPECT_TRUE(c.is_moe_layer(3));
  EXPECT_FALSE(c.is_moe_layer(2));
  EXPECT_THROW(ModelConfig::from_json_text("{", "x"), Error);
  EXPECT_THROW(ModelConfig::from_json_text(R"({"model_type":"llama"})", "x"), Error);
  try {
    ModelConfig::from_json_text(R"({"model_type":"deepseek_v3","vocab_size":"big"})", "cfg.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vocab_size"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("cfg.json"), std::string::npos);
  }
  // deepseek_v3 (V3 / V3.1): the same model without the indexer.
  std::string v3 = R"({"model_type":"deepseek_v3","vocab_size":512,"hidden_size":64,"intermediate_size":128,
    "num_hidden_layers":2,"num_attention_heads":2,"q_lora_rank":32,"kv_lora_rank":32,"qk_nope_head_dim":16,
    "qk_rope_head_dim":16,"v_head_dim":16})";
  ModelConfig d = ModelConfig::from_json_text(v3, "v3");
  EXPECT_FALSE(d.has_indexer);
}

// Found by fuzz/config: a YaRN original_max_position_embeddings beyond int was converted to
// int (UB), and an integer beyond int wrapped (vocab_size 2^32 + 512 was read as 512).
TEST(Config, OutOfRangeNumbersAreErrors) {
  const std::string v3 = R"({"model_type":"deepseek_v3","vocab_size":512,"hidden_size":64,"intermediate_size":128,
    "num_hidden_layers":2,"num_attention_heads":2,"q_lora_rank":32,"kv_lora_rank":32,"qk_nope_head_dim":16,
    "qk_rope_head_dim":16,"v_head_dim":16)";
  auto error_of = [](const std::string& text) -> std::string {
    try {
      ModelConfig::from_json_text(text, "cfg.json");
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  for (const char* v : {"1e300", "-5", "0.5"}) {
    const std::string e = error_of(v3 + R"(,"rope_scaling":{"type":"yarn","factor":4,"original_max_position_embeddings":)" + v + "}}");
    EXPECT_NE(e.find("rope_scaling.original_max_position_embeddings"), std::string::npos) << v << ": " << e;
  }
  EXPECT_EQ(ModelConfig::from_json_text(v3 + R"(,"rope_scaling":{"type":"yarn","factor":4,"original_max_position_embeddings":4096}})", "x")
                .rope_original_max_position, 4096);
  const std::string wrapped = R"({"model_type":"deepseek_v3","vocab_size":4294967808,)" + v3.substr(v3.find("\"hidden_size\"")) + "}";
  EXPECT_NE(error_of(wrapped).find("'vocab_size' is out of range"), std::string::npos) << error_of(wrapped);
  EXPECT_NE(error_of(v3 + R"(,"eos_token_id":-4294967295})").find("'eos_token_id' is out of range"), std::string::npos);
}

}  // namespace
}  // namespace dseek::test
