// V4 session files (model_v4/state_io_v4.h) with the official numerics' FP4 indexer keys: a
// restored state holds the same records and continues with bit-identical logits; an fp32-key
// state keeps its keys; files of the earlier format and damaged FP4 records are refused naming
// the file and tensor.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/golden.h"
#include "model_v4/model_v4.h"
#include "model_v4/state_io_v4.h"
#include "runtime/error.h"
#include "test_paths.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

class StateIoV4 : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = data_path("fixtures-v4/tiny-v4");
    if (dir.empty()) return;
    model_ = ModelV4::load(dir, Numerics::Official).release();
    auto golden = SafetensorsFile::open(dir + "/golden.exact.safetensors");
    toks_ = new std::vector<int32_t>(as_token_ids(golden->get("prompt0.tokens")));
    toks_->resize(203);  // 50 CSA entries: three full records of 16 keys and a partial one
    tmp_ = fs::temp_directory_path() / ("dseek_state_io_v4_" + std::to_string(getpid()));
    fs::create_directories(tmp_);
  }
  static void TearDownTestSuite() {
    delete model_;
    delete toks_;
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }
  void SetUp() override {
    if (!model_) GTEST_SKIP() << "fixtures-v4/tiny-v4 not found";
  }
  static std::string file(const std::string& name) { return (tmp_ / name).string(); }
  static std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
  // Rewrites `from`'s tensors / metadata through `edit` into a new file and returns the load error.
  static std::string load_error_after(const std::string& from,
                                      const std::function<void(std::vector<TensorData>&, std::map<std::string, std::string>&)>& edit) {
    auto f = SafetensorsFile::open(from);
    std::vector<TensorData> ts;
    for (const auto& [name, v] : f->tensors()) ts.push_back({name, v.dtype, v.shape, std::vector<uint8_t>(v.data, v.data + v.nbytes)});
    std::map<std::string, std::string> meta = f->metadata();
    edit(ts, meta);
    const std::string bad = file("bad.safetensors");
    write_safetensors(bad, ts, meta);
    return error_of([&] { load_state_v4(bad, model_->config(), nullptr, nullptr, "id"); });
  }
  static ModelV4* model_;
  static std::vector<int32_t>* toks_;
  static fs::path tmp_;
};
ModelV4* StateIoV4::model_ = nullptr;
std::vector<int32_t>* StateIoV4::toks_ = nullptr;
fs::path StateIoV4::tmp_;

TEST_F(StateIoV4, Fp4KeysRoundTripAndContinueBitForBit) {
  const ConfigV4& c = model_->config();
  StateV4 st = model_->new_state();
  ASSERT_TRUE(st.fp4_index_keys);
  model_->forward(*toks_, st, false);
  const std::string f = file("s.safetensors");
  save_state_v4(f, c, st, *toks_, "u", "id");
  EXPECT_EQ(SafetensorsFile::open(f)->metadata().at("index_keys"), "fp4-e2m1-32");
  std::vector<int32_t> toks;
  StateV4 back = load_state_v4(f, c, &toks, nullptr, "id");
  EXPECT_EQ(toks, *toks_);
  EXPECT_TRUE(back.fp4_index_keys);
  EXPECT_EQ(back.bytes(), st.bytes());
  int csa = 0;
  for (size_t L = 0; L < st.layers.size(); ++L) {
    EXPECT_EQ(back.layers[L].idx_fp4.size(), st.layers[L].idx_fp4.size()) << L;
    EXPECT_EQ(back.layers[L].idx_fp4.records(), st.layers[L].idx_fp4.records()) << L;
    EXPECT_TRUE(back.layers[L].idx_keys.empty());
    csa += st.layers[L].idx_fp4.size() == 50;
  }
  EXPECT_EQ(csa, 2);
  // The next steps' logits are bit-identical to those of the state that was saved.
  for (int32_t t : {7, 300, 5}) EXPECT_EQ(model_->forward({t}, back, false).logits, model_->forward({t}, st, false).logits);
}

TEST_F(StateIoV4, Fp32KeysStayFp32) {
  const ConfigV4& c = model_->config();
  StateV4 st = StateV4::fresh(c, false);  // the fp32 path on the same simulated values
  model_->forward(*toks_, st, false);
  const std::string f = file("f32.safetensors");
  save_state_v4(f, c, st, *toks_, "", "id");
  EXPECT_EQ(SafetensorsFile::open(f)->metadata().at("index_keys"), "f32");
  StateV4 back = load_state_v4(f, c, nullptr, nullptr, "id");
  EXPECT_FALSE(back.fp4_index_keys);
  for (size_t L = 0; L < st.layers.size(); ++L) {
    EXPECT_EQ(back.layers[L].idx_keys, st.layers[L].idx_keys);
    EXPECT_TRUE(back.layers[L].idx_fp4.empty());
  }
  EXPECT_EQ(model_->forward({9}, back, false).logits, model_->forward({9}, st, false).logits);
}

TEST_F(StateIoV4, OldFormatAndDamagedRecordsAreRefused) {
  const ConfigV4& c = model_->config();
  StateV4 st = model_->new_state();
  model_->forward(*toks_, st, false);
  const std::string f = file("good.safetensors");
  save_state_v4(f, c, st, *toks_, "", "id");
  // A file of the first format (fp32 keys only).
  std::string e = load_error_after(f, [](auto&, auto& meta) { meta["format"] = "dseek-v4-session-1"; });
  EXPECT_NE(e.find("bad.safetensors"), std::string::npos) << e;
  EXPECT_NE(e.find("older dseek"), std::string::npos) << e;
  EXPECT_NE(e.find("start a new session"), std::string::npos) << e;
  e = load_error_after(f, [](auto&, auto& meta) { meta.erase("index_keys"); });
  EXPECT_NE(e.find("'index_keys'"), std::string::npos) << e;
  // The key count of layer 1 (CSA) is 50: three full records and one of 2 keys.
  auto layer1 = [](std::vector<TensorData>& ts) -> TensorData& {
    for (auto& t : ts)
      if (t.name == "layers.1.idx_keys_fp4") return t;
    throw Error("no layers.1.idx_keys_fp4");
  };
  e = load_error_after(f, [&](auto& ts, auto&) {
    TensorData& t = layer1(ts);
    t.shape[0] -= 1;
    t.bytes.resize(t.bytes.size() - t.shape[1]);
  });
  EXPECT_NE(e.find("'layers.1.idx_keys_fp4'"), std::string::npos) << e;
  EXPECT_NE(e.find("expected U8 [4, " + std::to_string(c.index_head_dim * 8 + c.index_head_dim / 2)), std::string::npos) << e;
  e = load_error_after(f, [&](auto& ts, auto&) { layer1(ts).bytes[3 * layer1(ts).shape[1] + 4 * 5] = 0x77; });  // slot 53
  EXPECT_NE(e.find("'layers.1.idx_keys_fp4'"), std::string::npos) << e;
  EXPECT_NE(e.find("past the 50 keys"), std::string::npos) << e;
  e = load_error_after(f, [&](auto& ts, auto&) { layer1(ts).bytes[c.index_head_dim * 8] = 255; });  // key 0's scale
  EXPECT_NE(e.find("'layers.1.idx_keys_fp4'"), std::string::npos) << e;
  EXPECT_NE(e.find("scale exponent 255"), std::string::npos) << e;
  // The good file still loads.
  EXPECT_EQ(load_state_v4(f, c, nullptr, nullptr, "id").layers[1].idx_fp4.size(), 50);
}

}  // namespace
}  // namespace dseek::test
