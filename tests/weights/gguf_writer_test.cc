// GgufWriter: round trips through GgufFile, the temp-file discipline and its errors.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>

#include "gguf_test_util.h"

namespace dseek::test {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
  return b;
}

GgufValue scalar(GgufType t, int64_t i, double f = 0) {
  GgufValue v;
  v.type = t;
  v.i = i;
  v.f = f;
  return v;
}

TEST(GgufWriter, RoundTripEveryValueTypeAndTensorTypes) {
  TempDir tmp;
  const std::string p = tmp.path("rt.gguf");
  struct T {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  std::vector<T> ts{{"f32", DType::F32, {3, 32}, {}},     {"blk.0.q8", DType::Q8_0, {2, 64}, {}},
                    {"q4k", DType::Q4_K, {1, 256}, {}},    {"ids", DType::I32, {5}, {}},
                    {"f16.cube", DType::F16, {2, 2, 2}, {}}, {"iq2", DType::IQ2_XXS, {3, 512}, {}},
                    {"big", DType::Q6_K, {2, 6, 64 * 256}, {}}};  // > the writer's buffer: written directly
  {
    GgufWriter w(p);
    w.set_string("general.architecture", "test");
    w.set("u8", scalar(GgufType::UINT8, 200));
    w.set("i8", scalar(GgufType::INT8, -100));
    w.set("u16", scalar(GgufType::UINT16, 60000));
    w.set("i16", scalar(GgufType::INT16, -30000));
    w.set_u32("u32", 4000000000u);
    w.set_i32("i32", -2000000000);
    w.set_f32("f32", 0.1f);
    w.set_bool("yes", true);
    w.set_u64("u64", uint64_t(1) << 40);
    w.set_i64("i64", -(int64_t(1) << 40));
    w.set_f64("f64", 1e-300);
    w.set_string("empty", "");
    w.set_string_array("strs", {"a", "", "<｜User｜>"});
    w.set_int_array("ints", GgufType::INT32, {1, -2, 3});
    w.set_int_array("u8s", GgufType::UINT8, {0, 255});
    w.set_int_array("bools", GgufType::BOOL, {1, 0, 1});
    w.set_float_array("floats", GgufType::FLOAT32, {0.5, -1.25});
    w.set_float_array("doubles", GgufType::FLOAT64, {1e-200});
    w.set_u32("u32", 7);  // replaces the earlier value
    for (size_t i = 0; i < ts.size(); ++i) {
      size_t n = w.add_tensor(ts[i].name, ts[i].dtype, ts[i].shape);
      ts[i].bytes = pattern(n, static_cast<uint8_t>(i));
    }
    w.write_header();
    for (size_t i = 0; i + 1 < ts.size(); ++i) {
      if (ts[i].name == "q4k") {  // in pieces
        w.write_tensor_part("q4k", ts[i].bytes.data(), 100);
        w.write_tensor_part("q4k", ts[i].bytes.data() + 100, ts[i].bytes.size() - 100);
      } else {
        w.write_tensor(ts[i].name, ts[i].bytes.data(), ts[i].bytes.size());
      }
    }
    w.write_tensor(ts.back().name, ts.back().bytes.data(), ts.back().bytes.size());
    const uint64_t size = w.file_size();
    EXPECT_FALSE(fs::exists(p)) << "only the temp file exists before finish()";
    w.finish();
    EXPECT_EQ(fs::file_size(p), size);
    EXPECT_FALSE(fs::exists(p + ".tmp"));
  }
  auto f = GgufFile::open(p);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->get_string("general.architecture"), "test");
  EXPECT_EQ(f->find_kv("u8")->type, GgufType::UINT8);
  EXPECT_EQ(f->get_int("u8"), 200);
  EXPECT_EQ(f->get_int("i8"), -100);
  EXPECT_EQ(f->get_int("u16"), 60000);
  EXPECT_EQ(f->get_int("i16"), -30000);
  EXPECT_EQ(f->get_int("u32"), 7);
  EXPECT_EQ(f->get_int("i32"), -2000000000);
  EXPECT_EQ(f->get_float("f32"), double(0.1f));
  EXPECT_TRUE(f->get_bool("yes", false));
  EXPECT_EQ(f->get_int("u64"), int64_t(1) << 40);
  EXPECT_EQ(f->find_kv("u64")->type, GgufType::UINT64);
  EXPECT_EQ(f->get_int("i64"), -(int64_t(1) << 40));
  EXPECT_EQ(f->get_float("f64"), 1e-300);
  EXPECT_EQ(f->get_string("empty"), "");
  EXPECT_EQ(f->get_string_array("strs"), (std::vector<std::string>{"a", "", "<｜User｜>"}));
  EXPECT_EQ(f->get_int_array("ints"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(f->find_kv("ints")->elem, GgufType::INT32);
  EXPECT_EQ(f->get_int_array("u8s"), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(f->get_int_array("bools"), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(f->find_kv("bools")->elem, GgufType::BOOL);
  EXPECT_EQ(f->get_float_array("floats"), (std::vector<double>{0.5, -1.25}));
  EXPECT_EQ(f->get_float_array("doubles"), (std::vector<double>{1e-200}));
  EXPECT_EQ(f->metadata().size(), 19u);
  ASSERT_EQ(f->tensor_order().size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    SCOPED_TRACE(ts[i].name);
    EXPECT_EQ(f->tensor_order()[i], ts[i].name);
    const TensorView* t = f->find(ts[i].name);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->dtype, ts[i].dtype);
    EXPECT_EQ(t->shape, ts[i].shape);
    ASSERT_EQ(t->nbytes, ts[i].bytes.size());
    EXPECT_EQ(0, std::memcmp(t->data, ts[i].bytes.data(), t->nbytes));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data) % 32, 0u);
  }
}

// A llama.cpp file rewritten by GgufWriter reads back with the same metadata and bytes.
TEST(GgufWriter, RewritesAFixtureFaithfully) {
  TempDir tmp;
  auto src = GgufFile::open(gguf_fixture("gguf-v32-IQ1_S-mix.gguf"));
  rewrite_gguf(*src, tmp.path("copy.gguf"));
  auto f = GgufFile::open(tmp.path("copy.gguf"));
  EXPECT_EQ(f->file_size(), src->file_size()) << "same layout: header padding and per-tensor padding";
  ASSERT_EQ(f->metadata().size(), src->metadata().size());
  for (const auto& [k, v] : src->metadata()) {
    SCOPED_TRACE(k);
    const GgufValue* w = f->find_kv(k);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->type, v.type);
    EXPECT_EQ(w->i, v.i);
    EXPECT_EQ(w->f, v.f);
    EXPECT_EQ(w->s, v.s);
    EXPECT_EQ(w->ints, v.ints);
    EXPECT_EQ(w->floats, v.floats);
    EXPECT_EQ(w->strs, v.strs);
  }
  EXPECT_EQ(f->tensor_order(), src->tensor_order());
  for (const auto& [name, t] : src->tensors()) {
    const TensorView* c = f->find(name);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->dtype, t.dtype);
    EXPECT_EQ(c->shape, t.shape);
    ASSERT_EQ(c->nbytes, t.nbytes);
    EXPECT_EQ(0, std::memcmp(c->data, t.data, t.nbytes)) << name;
  }
}

TEST(GgufWriter, AlignmentOtherThan32IsRecorded) {
  TempDir tmp;
  const std::string p = tmp.path("a64.gguf");
  {
    GgufWriter w(p, 64);
    w.add_tensor("a", DType::F32, {3});
    w.add_tensor("b", DType::F32, {5});
    std::vector<uint8_t> a(12, 1), b(20, 2);
    w.write_tensor("a", a.data(), a.size());
    w.write_tensor("b", b.data(), b.size());
    w.finish();
  }
  auto f = GgufFile::open(p);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->get_int("general.alignment"), 64);
  EXPECT_EQ(f->find("b")->data - f->find("a")->data, 64);
  EXPECT_EQ(f->find("b")->data[19], 2);
  EXPECT_THROW(GgufWriter(tmp.path("x.gguf"), 48), Error);
}

TEST(GgufWriter, NoTensorsIsAValidFile) {
  TempDir tmp;
  GgufWriter w(tmp.path("meta.gguf"));
  w.set_string("general.architecture", "deepseek32");
  w.finish();
  auto f = GgufFile::open(tmp.path("meta.gguf"));
  EXPECT_TRUE(f->tensors().empty());
  EXPECT_EQ(f->get_string("general.architecture"), "deepseek32");
}

TEST(GgufWriter, UnfinishedWriterLeavesNoFile) {
  TempDir tmp;
  const std::string p = tmp.path("unfinished.gguf");
  {
    GgufWriter w(p);
    w.add_tensor("a", DType::F32, {4});
    w.write_header();
    EXPECT_TRUE(fs::exists(p + ".tmp"));
  }
  EXPECT_FALSE(fs::exists(p));
  EXPECT_FALSE(fs::exists(p + ".tmp"));
  {
    GgufWriter w(p);
    w.add_tensor("a", DType::F32, {4});
    w.add_tensor("b", DType::F32, {4});
    std::vector<uint8_t> a(16);
    w.write_tensor("a", a.data(), 16);
    std::string e = error_of([&] { w.finish(); });
    EXPECT_NE(e.find(p), std::string::npos) << e;
    EXPECT_NE(e.find("'b'"), std::string::npos) << e;
  }
  EXPECT_FALSE(fs::exists(p));
  EXPECT_FALSE(fs::exists(p + ".tmp"));
}

TEST(GgufWriter, RejectsMisuse) {
  TempDir tmp;
  const std::string p = tmp.path("misuse.gguf");
  GgufWriter w(p);
  auto has = [&](const std::function<void()>& f, const std::string& what) {
    std::string e = error_of(f);
    EXPECT_NE(e.find(p), std::string::npos) << e;
    EXPECT_NE(e.find(what), std::string::npos) << e;
  };
  has([&] { w.add_tensor("q", DType::Q4_K, {2, 100}); }, "not a multiple");
  has([&] { w.add_tensor("f8", DType::F8_E4M3, {2}); }, "no type for F8_E4M3");
  has([&] { w.add_tensor("five", DType::F32, {1, 1, 1, 1, 1}); }, "1 to 4 dimensions");
  has([&] { w.add_tensor(std::string(64, 'n'), DType::F32, {1}); }, "1 to 63 bytes");
  has([&] { w.set("u8", scalar(GgufType::UINT8, 256)); }, "does not fit UINT8");
  has([&] { w.set_int_array("a", GgufType::INT8, {1, 200}); }, "does not fit INT8");
  has([&] { w.set_int_array("a", GgufType::STRING, {1}); }, "not an integer type");
  w.add_tensor("a", DType::F32, {4});
  w.add_tensor("b", DType::Q8_0, {32});
  has([&] { w.add_tensor("a", DType::F32, {4}); }, "declared twice");
  std::vector<uint8_t> buf(64);
  has([&] { w.write_tensor("b", buf.data(), 34); }, "out of order");
  has([&] { w.write_tensor("a", buf.data(), 15); }, "has 16 bytes, got 15");
  w.write_tensor_part("a", buf.data(), 10);
  has([&] { w.write_tensor_part("a", buf.data(), 7); }, "17 bytes written, it has 16");
  w.write_tensor_part("a", buf.data(), 6);
  has([&] { w.set_u32("late", 1); }, "after the header");
  has([&] { w.add_tensor("late", DType::F32, {1}); }, "after the header");
  w.write_tensor("b", buf.data(), 34);
  has([&] { w.write_tensor("c", buf.data(), 1); }, "all declared tensors are complete");
  w.finish();
  EXPECT_EQ(GgufFile::open(p)->tensors().size(), 2u);
}

TEST(GgufWriter, UncreatableFileNamesThePath) {
  const std::string p = "/nonexistent-dseek-dir/sub/out.gguf";
  std::string e = error_of([&] { GgufWriter w(p); });
  EXPECT_NE(e.find(p), std::string::npos) << e;
  EXPECT_NE(e.find("cannot create"), std::string::npos) << e;
}

// A write that hits the file size limit (as a full disk would) is an error naming the path,
// and the partial temp file is removed.
TEST(GgufWriter, ShortWriteIsAnError) {
  TempDir tmp;
  const std::string p = tmp.path("full.gguf");
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of the signal
  struct rlimit lim = old;
  lim.rlim_cur = 64 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
  std::string e;
  {
    GgufWriter w(p);
    std::vector<uint8_t> big(8 << 20);
    w.add_tensor("big", DType::I8, {int64_t(big.size())});
    e = error_of([&] {
      w.write_tensor("big", big.data(), big.size());
      w.finish();
    });
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(e.find(p), std::string::npos) << e;
  EXPECT_NE(e.find("write to"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(p));
  EXPECT_FALSE(fs::exists(p + ".tmp"));
}

}  // namespace
}  // namespace dseek::test
