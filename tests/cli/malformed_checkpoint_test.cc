// A broken checkpoint gives one clear error naming the file and tensor, a non-zero exit and
// no crash: truncated shard, corrupt header JSON, missing tensor, wrong shape, wrong dtype,
// unknown model_type, missing shard.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_util.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

class MalformedCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = data_path("fixtures/tiny-moe-dsa");
    ASSERT_FALSE(src_.empty());
    dir_ = fs::temp_directory_path() / ("dseek_bad_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* f : {"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                          "model-00002-of-00002.safetensors"})
      fs::copy_file(fs::path(src_) / f, dir_ / f);
    for (auto& p : fs::directory_iterator(dir_)) fs::permissions(p.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Rewrites shard 1 with `edit` applied to its tensor list.
  template <class F>
  void rewrite_shard(F edit) {
    std::string path = (dir_ / "model-00001-of-00002.safetensors").string();
    std::vector<TensorData> ts;
    {
      auto f = SafetensorsFile::open(path);
      for (const auto& [name, t] : f->tensors())
        ts.push_back({name, t.dtype, t.shape, std::vector<uint8_t>(t.data, t.data + t.nbytes)});
    }
    edit(ts);
    write_safetensors(path, ts);
  }

  RunResult inspect() { return run_dseek("inspect -m " + quote(dir_.string())); }
  void expect_error(const RunResult& r, const std::vector<std::string>& needles) {
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "'" << n << "' not in: " << r.err;
  }

  std::string src_;
  fs::path dir_;
};

TEST_F(MalformedCheckpoint, IntactCheckpointLoads) {
  RunResult r = inspect();
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("all present"), std::string::npos);
}

TEST_F(MalformedCheckpoint, TruncatedShard) {
  fs::path p = dir_ / "model-00002-of-00002.safetensors";
  fs::resize_file(p, fs::file_size(p) / 2);
  expect_error(inspect(), {"model-00002-of-00002.safetensors", "truncated"});
}

TEST_F(MalformedCheckpoint, TruncatedInsideHeader) {
  fs::resize_file(dir_ / "model-00001-of-00002.safetensors", 100);
  expect_error(inspect(), {"model-00001-of-00002.safetensors", "header length"});
}

TEST_F(MalformedCheckpoint, CorruptHeaderJson) {
  std::fstream f(dir_ / "model-00001-of-00002.safetensors", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(8 + 1);
  f.write("#garbage#", 9);
  f.close();
  expect_error(inspect(), {"model-00001-of-00002.safetensors", "corrupt safetensors header JSON"});
}

TEST_F(MalformedCheckpoint, MissingTensor) {
  std::string victim;
  rewrite_shard([&](std::vector<TensorData>& ts) {
    auto it = std::find_if(ts.begin(), ts.end(), [](const TensorData& t) { return t.name.find("q_a_layernorm") != std::string::npos; });
    victim = it->name;
    ts.erase(it);
  });
  expect_error(inspect(), {"model-00001-of-00002.safetensors", victim});
}

TEST_F(MalformedCheckpoint, WrongShape) {
  rewrite_shard([](std::vector<TensorData>& ts) {
    for (auto& t : ts)
      if (t.name == "model.layers.0.self_attn.q_a_proj.weight") t.shape = {t.shape[1], t.shape[0]};
  });
  expect_error(inspect(), {"model-00001-of-00002.safetensors", "model.layers.0.self_attn.q_a_proj.weight", "shape"});
}

TEST_F(MalformedCheckpoint, WrongDtype) {
  rewrite_shard([](std::vector<TensorData>& ts) {
    for (auto& t : ts)
      if (t.name == "model.layers.0.input_layernorm.weight") t.dtype = DType::F16;  // same bytes, wrong type
  });
  expect_error(inspect(), {"model.layers.0.input_layernorm.weight", "dtype F16"});
}

TEST_F(MalformedCheckpoint, UnknownModelType) {
  nlohmann::json c = nlohmann::json::parse(slurp((dir_ / "config.json").string()));
  c["model_type"] = "llama";
  std::ofstream(dir_ / "config.json") << c.dump();
  expect_error(inspect(), {"config.json", "model_type", "llama"});
}

TEST_F(MalformedCheckpoint, MissingShard) {
  fs::remove(dir_ / "model-00002-of-00002.safetensors");
  expect_error(inspect(), {"model-00002-of-00002.safetensors", "cannot open"});
}

// `inspect --scan`: a clean checkpoint exits 0; one FP8 NaN code and one float NaN written into
// a shard are reported by tensor (count, first element) and the exit status is 1.
TEST_F(MalformedCheckpoint, ScanReportsNonFiniteWeightsByTensor) {
  RunResult clean = run_dseek("inspect --scan -m " + quote(dir_.string()));
  EXPECT_EQ(clean.status, 0) << clean.err;
  EXPECT_NE(clean.out.find("every value finite"), std::string::npos) << clean.out;
  std::string fp8, fl;
  rewrite_shard([&](std::vector<TensorData>& ts) {
    for (auto& t : ts) {
      if (fp8.empty() && t.dtype == DType::F8_E4M3 && t.bytes.size() > 10) {
        fp8 = t.name;
        t.bytes[7] = 0xFF;  // e4m3fn NaN
      } else if (fl.empty() && t.dtype == DType::F32 && t.bytes.size() >= 16) {
        fl = t.name;
        const float nan = std::nanf("");
        std::memcpy(t.bytes.data() + 12, &nan, 4);  // element 3
      }
    }
  });
  ASSERT_FALSE(fp8.empty());
  ASSERT_FALSE(fl.empty());
  RunResult r = run_dseek("inspect --scan -m " + quote(dir_.string()));
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find(fp8 + "  F8_E4M3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 non-finite values (first: element 7)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fl + "  F32"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(first: element 3)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 tensors with NaN/Inf"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace dseek::test
