// DeepSeek-V4's dtypes in the weights layer: F8_E8M0 as a safetensors dtype (the scales of its
// FP8 linears and FP4 experts), F4_E2M1 as a matrix kind that is no header dtype and no ggml
// block type, the values of the older DTypes unchanged; Checkpoint::open_tensors on a
// sharded V4-style directory whose config.json V3's ModelConfig refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "runtime/error.h"
#include "weights/checkpoint.h"
#include "weights/dtype.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

TEST(V4DTypes, F8E8M0IsASafetensorsDtype) {
  DType t;
  ASSERT_TRUE(parse_dtype("F8_E8M0", &t));
  EXPECT_EQ(t, DType::F8_E8M0);
  EXPECT_EQ(dtype_name(t), "F8_E8M0");
  EXPECT_EQ(dtype_size(t), 1u);
  EXPECT_FALSE(is_block_quant(t));
  EXPECT_EQ(dtype_row_bytes(t, 7), 7u);
  EXPECT_EQ(dtype_to_ggml(t), UINT32_MAX);
}

TEST(V4DTypes, F4E2M1IsAMatrixKindOnly) {
  DType t;
  EXPECT_FALSE(parse_dtype("F4_E2M1", &t));  // V4 ships FP4 as I8
  ASSERT_TRUE(parse_dtype_any("f4_e2m1", &t));
  EXPECT_EQ(t, DType::F4_E2M1);
  EXPECT_FALSE(is_block_quant(t));  // not a ggml type: GGUF and quantize never take it
  EXPECT_EQ(dtype_size(t), 0u);
  EXPECT_EQ(dtype_block_elems(t), 32);
  EXPECT_EQ(dtype_block_bytes(t), 16u);
  EXPECT_EQ(dtype_row_bytes(t, 4096), 2048u);
  EXPECT_EQ(dtype_row_bytes(t, 48), 0u);  // not whole 32-column groups
  EXPECT_EQ(dtype_to_ggml(t), UINT32_MAX);
  DType g;
  EXPECT_FALSE(dtype_from_ggml(39, &g));  // ggml's MXFP4 (another layout) is still unknown
}

TEST(V4DTypes, OlderTypesKeepTheirValues) {
  EXPECT_EQ(static_cast<int>(DType::F8_E4M3), 0);
  EXPECT_EQ(static_cast<int>(DType::BOOL), 10);
  EXPECT_EQ(static_cast<int>(DType::Q4_0), 11);
  EXPECT_EQ(static_cast<int>(DType::IQ4_XS), 25);
  EXPECT_EQ(static_cast<int>(DType::F8_E8M0), 26);
  EXPECT_EQ(static_cast<int>(DType::F4_E2M1), 27);
  for (DType t : {DType::Q4_0, DType::Q8_0, DType::Q2_K, DType::Q6_K, DType::IQ2_XXS, DType::IQ4_NL, DType::IQ4_XS})
    EXPECT_TRUE(is_block_quant(t)) << dtype_name(t);
  EXPECT_EQ(dtype_to_ggml(DType::IQ4_XS), 23u);
  EXPECT_EQ(dtype_row_bytes(DType::Q4_K, 512), 288u);
}

std::string tmp(const std::string& name) {
  return (fs::temp_directory_path() / ("dseek_v4dt_" + std::to_string(::getpid()) + "_" + name)).string();
}

TEST(V4DTypes, SafetensorsRoundTripAndSizeCheck) {
  const std::string p = tmp("e8m0.safetensors");
  write_safetensors(p, {TensorData{"w.scale", DType::F8_E8M0, {2, 3}, {127, 120, 0, 254, 255, 1}},
                        TensorData{"w.weight", DType::I8, {2, 16}, std::vector<uint8_t>(32, 0x9a)}});
  auto f = SafetensorsFile::open(p);
  const TensorView& s = f->get("w.scale");
  EXPECT_EQ(s.dtype, DType::F8_E8M0);
  EXPECT_EQ(s.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(s.nbytes, 6u);
  EXPECT_EQ(s.data[3], 254);
  EXPECT_EQ(f->get("w.weight").dtype, DType::I8);
  fs::remove(p);
  // An F8_E8M0 entry whose bytes do not match its shape: named file and tensor.
  const std::string q = tmp("bad.safetensors");
  write_safetensors(q, {TensorData{"w.scale", DType::F8_E8M0, {2, 4}, std::vector<uint8_t>(6, 127)}});
  try {
    SafetensorsFile::open(q);
    ADD_FAILURE() << "opened";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(q), std::string::npos) << m;
    EXPECT_NE(m.find("'w.scale'"), std::string::npos) << m;
    EXPECT_NE(m.find("F8_E8M0 [2, 4] needs 8"), std::string::npos) << m;
  }
  fs::remove(q);
}

TEST(V4DTypes, OpenTensorsOfAShardedV4Directory) {
  const fs::path dir = tmp("ckpt");
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"model_type": "deepseek_v4", "hidden_size": 64})";
  write_safetensors((dir / "a.safetensors").string(),
                    {TensorData{"layers.0.ffn.experts.0.w1.weight", DType::I8, {4, 16}, std::vector<uint8_t>(64, 1)},
                     TensorData{"layers.0.ffn.experts.0.w1.scale", DType::F8_E8M0, {4, 1}, std::vector<uint8_t>(4, 127)}});
  write_safetensors((dir / "b.safetensors").string(),
                    {TensorData{"layers.0.attn.wq_a.weight", DType::F8_E4M3, {4, 32}, std::vector<uint8_t>(128, 0x38)},
                     TensorData{"layers.0.attn.wq_a.scale", DType::F8_E8M0, {1, 1}, {120}}});
  std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map": {
      "layers.0.ffn.experts.0.w1.weight": "a.safetensors", "layers.0.ffn.experts.0.w1.scale": "a.safetensors",
      "layers.0.attn.wq_a.weight": "b.safetensors", "layers.0.attn.wq_a.scale": "b.safetensors"}})";
  // V3's reader refuses the config; the tensors open on their own.
  try {
    Checkpoint::open(dir.string());
    ADD_FAILURE() << "V3's config accepted deepseek_v4";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("deepseek_v4"), std::string::npos) << e.what();
  }
  auto ck = Checkpoint::open_tensors(dir.string());
  EXPECT_EQ(ck->files().size(), 2u);
  EXPECT_EQ(ck->tensors().size(), 4u);
  EXPECT_EQ(ck->get("layers.0.attn.wq_a.scale").dtype, DType::F8_E8M0);
  EXPECT_EQ(ck->get("layers.0.attn.wq_a.scale").data[0], 120);
  EXPECT_EQ(ck->get("layers.0.ffn.experts.0.w1.weight").shape, (std::vector<int64_t>{4, 16}));
  EXPECT_EQ(ck->config().model_type, ModelConfig().model_type);  // not read
  try {
    ck->get("layers.0.attn.wq_b.weight");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'layers.0.attn.wq_b.weight'"), std::string::npos);
  }
  // A shard the index names is missing: named.
  fs::remove(dir / "b.safetensors");
  try {
    Checkpoint::open_tensors(dir.string());
    ADD_FAILURE() << "opened without b.safetensors";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("b.safetensors"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Checkpoint::open_tensors((dir / "nope").string()), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dseek::test
