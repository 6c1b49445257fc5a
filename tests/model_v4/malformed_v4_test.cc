// A broken DeepSeek-V4 checkpoint gives one clear dseek::Error naming the file and the tensor
// (or the config.json key): a CSA layer's missing compressor / indexer-compressor tensor,
// compress_ratios of the wrong length, an FP4 expert of odd packed width, scales of the wrong
// dtype, tid2eid ids out of range or repeated, a missing MTP tensor. Each case edits a copy of
// fixtures-v4/tiny-v4 (L0 window, L1 CSA, L2 HCA, L3 CSA, MTP window; L0, L1 hash-routed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model_v4/model_v4.h"
#include "runtime/error.h"
#include "test_paths.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

class MalformedV4 : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string src = data_path("fixtures-v4/tiny-v4");
    if (src.empty()) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
    dir_ = fs::temp_directory_path() / ("dseek_badv4_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* f : {"config.json", "model.safetensors.index.json", "model-00001-of-00003.safetensors",
                          "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"})
      fs::copy_file(fs::path(src) / f, dir_ / f);
    for (auto& p : fs::directory_iterator(dir_)) fs::permissions(p.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  nlohmann::ordered_json read_json(const std::string& f) {
    std::ifstream in(dir_ / f);
    std::stringstream ss;
    ss << in.rdbuf();
    return nlohmann::ordered_json::parse(ss.str());
  }
  void write_json(const std::string& f, const nlohmann::ordered_json& j) { std::ofstream(dir_ / f) << j.dump(2); }

  // The shard file the index puts `name` in.
  std::string shard_of(const std::string& name) {
    return read_json("model.safetensors.index.json")["weight_map"].at(name).get<std::string>();
  }
  // Rewrites the shard holding `name`, `edit` applied to that tensor (erase: drop it).
  void edit_tensor(const std::string& name, const std::function<void(TensorData&)>& edit, bool erase = false) {
    const std::string path = (dir_ / shard_of(name)).string();
    std::vector<TensorData> ts;
    {
      auto f = SafetensorsFile::open(path);
      for (const auto& [n, t] : f->tensors())
        ts.push_back({n, t.dtype, t.shape, std::vector<uint8_t>(t.data, t.data + t.nbytes)});
    }
    bool found = false;
    for (auto it = ts.begin(); it != ts.end(); ++it)
      if (it->name == name) {
        found = true;
        if (erase) {
          ts.erase(it);
        } else {
          edit(*it);
        }
        break;
      }
    ASSERT_TRUE(found) << name;
    write_safetensors(path, ts);
  }
  // Drops `name` from its shard and (everywhere) from the index too.
  void drop(const std::string& name, bool everywhere) {
    edit_tensor(name, nullptr, true);
    if (everywhere) {
      auto idx = read_json("model.safetensors.index.json");
      idx["weight_map"].erase(name);
      write_json("model.safetensors.index.json", idx);
    }
  }
  // The message ModelV4::load throws (fails the test when it loads).
  std::string load_error() {
    try {
      ModelV4::load(dir_.string());
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "loaded without error";
    return "";
  }
  void expect_error(const std::vector<std::string>& needles) {
    const std::string msg = load_error();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
    for (const auto& n : needles) EXPECT_NE(msg.find(n), std::string::npos) << "'" << n << "' not in: " << msg;
  }
  std::string path(const std::string& f) { return (dir_ / f).string(); }

  fs::path dir_;
};

TEST_F(MalformedV4, IntactCopyLoads) {
  auto m = ModelV4::load(dir_.string());
  EXPECT_EQ(m->weights().layers.size(), 4u);
}

// The index still lists the tensor, its shard lacks it: the shard is named when it is mapped.
TEST_F(MalformedV4, CsaCompressorTensorMissingFromItsShard) {
  const std::string t = "layers.1.attn.compressor.wkv.weight";
  const std::string shard = shard_of(t);
  drop(t, false);
  expect_error({path(shard), "missing tensor '" + t + "'", "the index puts it in this shard"});
}

// Absent everywhere: the index file is named, and why the layer needs the tensor.
TEST_F(MalformedV4, CsaCompressorTensorMissing) {
  const std::string t = "layers.1.attn.compressor.wkv.weight";
  drop(t, true);
  expect_error({path("model.safetensors.index.json"), "missing tensor '" + t + "'", "CSA layer",
                "compress_ratios[1] = 4", "config.json"});
}

TEST_F(MalformedV4, IndexerCompressorApeMissing) {
  const std::string t = "layers.1.attn.indexer.compressor.ape";
  drop(t, true);
  expect_error({path("model.safetensors.index.json"), "missing tensor '" + t + "'", "compress_ratios[1] = 4"});
}

TEST_F(MalformedV4, HcaCompressorNormMissing) {
  const std::string t = "layers.2.attn.compressor.norm.weight";
  drop(t, true);
  expect_error({"missing tensor '" + t + "'", "HCA layer", "compress_ratios[2] = 128"});
}

// config.json makes the window-only layer 0 a CSA layer: its compressor is not in the files.
TEST_F(MalformedV4, RatioWithoutItsCompressor) {
  auto c = read_json("config.json");
  c["compress_ratios"][0] = 4;
  write_json("config.json", c);
  expect_error({path("model.safetensors.index.json"), "missing tensor 'layers.0.attn.compressor.wkv.weight'",
                "compress_ratios[0] = 4"});
}

TEST_F(MalformedV4, CompressRatiosWrongLength) {
  auto c = read_json("config.json");
  c["compress_ratios"] = {0, 4, 128, 4};  // the MTP block's entry missing
  write_json("config.json", c);
  expect_error({path("config.json"), "key 'compress_ratios'", "has 4 entries",
                "num_hidden_layers + num_nextn_predict_layers = 4 + 1 = 5"});
}

TEST_F(MalformedV4, CompressRatiosNegativeEntry) {
  auto c = read_json("config.json");
  c["compress_ratios"][2] = -128;
  write_json("config.json", c);
  expect_error({path("config.json"), "key 'compress_ratios'", "entry 2 is -128"});
}

TEST_F(MalformedV4, Fp4ExpertOddPackedWidth) {
  const std::string t = "layers.0.ffn.experts.3.w1.weight";  // I8 [128, 128]: 256 columns
  edit_tensor(t, [](TensorData& d) {
    d.shape = {128, 127};
    d.bytes.resize(128 * 127);
  });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "[128, 127]", "odd packed FP4 width", "[128, 128]"});
}

TEST_F(MalformedV4, Fp4ExpertWrongWidth) {
  const std::string t = "layers.3.ffn.experts.9.w2.weight";  // I8 [256, 64]
  edit_tensor(t, [](TensorData& d) {
    d.shape = {256, 32};
    d.bytes.resize(256 * 32);
  });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "has shape [256, 32], expected [256, 64]"});
}

TEST_F(MalformedV4, Fp4ScaleWrongDtype) {
  const std::string t = "layers.2.ffn.experts.5.w2.scale";  // F8_E8M0 [256, 4]
  edit_tensor(t, [](TensorData& d) {
    d.dtype = DType::BF16;
    d.bytes.resize(2 * d.bytes.size());
  });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "dtype BF16", "expected F8_E8M0"});
}

TEST_F(MalformedV4, Fp4ScaleMissing) {
  const std::string w = "layers.0.ffn.experts.0.w3.weight", t = "layers.0.ffn.experts.0.w3.scale";
  const std::string shard = shard_of(w);
  drop(t, true);
  expect_error({path(shard), "tensor '" + w + "'", "FP4", "without its F8_E8M0 scale tensor '" + t + "'"});
}

TEST_F(MalformedV4, Fp8ScaleWrongDtype) {
  const std::string t = "layers.1.attn.wq_b.scale";  // F8_E8M0 [4, 1]
  edit_tensor(t, [](TensorData& d) {
    d.dtype = DType::F16;
    d.bytes.resize(2 * d.bytes.size());
  });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "dtype F16", "expected F8_E8M0 or F32"});
}

TEST_F(MalformedV4, Fp8ScaleWrongShape) {
  const std::string t = "layers.3.attn.wo_a.scale";  // F8_E8M0 [2, 2]
  edit_tensor(t, [](TensorData& d) { d.shape = {4, 1}; });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "[4, 1]", "expected [2, 2]"});
}

TEST_F(MalformedV4, Tid2eidOutOfRange) {
  const std::string t = "layers.1.ffn.gate.tid2eid";  // I64 [512, 4], 16 experts
  edit_tensor(t, [](TensorData& d) {
    const int64_t bad = 16;
    std::memcpy(d.bytes.data() + 8 * (7 * 4 + 2), &bad, 8);
  });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "expert id 16 at row 7", "outside 0..15"});
}

TEST_F(MalformedV4, Tid2eidRepeatedExpert) {
  const std::string t = "layers.0.ffn.gate.tid2eid";
  edit_tensor(t, [](TensorData& d) {
    int64_t first;
    std::memcpy(&first, d.bytes.data() + 8 * (3 * 4), 8);
    std::memcpy(d.bytes.data() + 8 * (3 * 4 + 3), &first, 8);
  });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "appears twice in row 3"});
}

TEST_F(MalformedV4, Tid2eidMissingOnHashLayer) {
  const std::string t = "layers.1.ffn.gate.tid2eid";
  drop(t, true);
  expect_error({path("model.safetensors.index.json"), "missing tensor '" + t + "'", "num_hash_layers = 2"});
}

TEST_F(MalformedV4, MtpTensorMissing) {
  const std::string t = "mtp.0.e_proj.weight";
  drop(t, true);
  expect_error({path("model.safetensors.index.json"), "missing tensor '" + t + "'", "MTP block 0",
                "num_nextn_predict_layers = 1"});
}

TEST_F(MalformedV4, HcFnWrongDtype) {
  const std::string t = "layers.2.hc_ffn_fn";  // F32 [24, 1024]
  edit_tensor(t, [](TensorData& d) {
    d.dtype = DType::BF16;
    d.bytes.resize(d.bytes.size() / 2);
  });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "dtype BF16", "expected F32"});
}

TEST_F(MalformedV4, ApeWrongShape) {
  const std::string t = "layers.2.attn.compressor.ape";  // F32 [128, 128] (HCA: ratio 128, width 128)
  edit_tensor(t, [](TensorData& d) { d.shape = {64, 256}; });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "has shape [64, 256], expected [128, 128]"});
}

TEST_F(MalformedV4, NormWrongDtype) {
  const std::string t = "layers.3.attn.kv_norm.weight";  // BF16 [128]
  edit_tensor(t, [](TensorData& d) { d.dtype = DType::I16; });
  expect_error({path(shard_of(t)), "tensor '" + t + "'", "dtype I16", "expected BF16 or F32"});
}

}  // namespace
}  // namespace dseek::test
