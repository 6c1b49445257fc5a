// MappedFile, the mmap prologue both readers share, and the messages each reader adds.
#include <gtest/gtest.h>

#include <cmath>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "gguf_test_util.h"
#include "weights/mapped_file.h"
#include "weights/safetensors.h"

namespace dseek::test {
namespace {

TEST(MappedFile, MapsTheWholeFile) {
  TempDir t;
  write_bytes(t.path("f"), {1, 2, 3, 4, 5});
  MappedFile m(t.path("f"));
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(std::memcmp(m.data(), "\1\2\3\4\5", 5), 0);
  MappedFile moved(std::move(m));
  EXPECT_EQ(moved.size(), 5u);
  EXPECT_EQ(moved.data()[4], 5);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.data(), nullptr);
  MappedFile assigned;
  assigned = std::move(moved);
  EXPECT_EQ(assigned.data()[0], 1);
}

TEST(MappedFile, ErrorsNameThePath) {
  TempDir t;
  EXPECT_EQ(error_of([&] { MappedFile m(t.path("absent")); }), t.path("absent") + ": cannot open: No such file or directory");
  EXPECT_EQ(error_of([&] { MappedFile m(t.dir.string()); }), t.dir.string() + ": not a regular file");
  write_bytes(t.path("empty"), {});
  MappedFile empty(t.path("empty"));
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.data(), nullptr);
}

TEST(MappedFile, ReadersKeepTheirOwnMessages) {
  TempDir t;
  write_bytes(t.path("empty.gguf"), {});
  EXPECT_EQ(error_of([&] { GgufFile::open(t.path("empty.gguf")); }),
            t.path("empty.gguf") + ": not a GGUF file (0 bytes, shorter than a GGUF header)");
  write_bytes(t.path("empty.safetensors"), {});
  EXPECT_EQ(error_of([&] { SafetensorsFile::open(t.path("empty.safetensors")); }),
            t.path("empty.safetensors") + ": truncated safetensors file (0 bytes, no header length)");
  // A directory is refused by both before anything is mapped.
  EXPECT_EQ(error_of([&] { SafetensorsFile::open(t.dir.string()); }), t.dir.string() + ": not a regular file");
  EXPECT_EQ(error_of([&] { GgufFile::open(t.dir.string()); }), t.dir.string() + ": not a regular file");
  // Views stay valid while the file object lives.
  auto f = GgufFile::open(gguf_fixture("gguf-v32-Q8_0.gguf"));
  const TensorView& norm = *f->find("output_norm.weight");
  float first;
  std::memcpy(&first, norm.data, 4);
  EXPECT_TRUE(std::isfinite(first));
  EXPECT_EQ(f->file_size(), 6687456u);
}

}  // namespace
// A mapped checkpoint truncated on disk: the next read of a vanished page raises SIGBUS; the
// process dies of it with a line naming the file and the byte, not a bare "Bus error".
TEST(MappedFileDeathTest, TruncatedWhileMappedNamesTheFile) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempDir t;
  const std::string path = t.path("model-00001-of-00002.safetensors");
  write_bytes(path, std::vector<uint8_t>(3 * 4096, 7));
  MappedFile m(path);
  ASSERT_EQ(m.data()[8192], 7);
  ASSERT_EQ(::truncate(path.c_str(), 100), 0);
  volatile const uint8_t* p = m.data();
  EXPECT_EXIT((void)p[8192 + 5], ::testing::KilledBySignal(SIGBUS),
              "dseek: .*model-00001-of-00002.safetensors changed on disk while mapped \\(truncated or rewritten: byte 8197 "
              "of 12288 could not be read\\)");
  // Another SIGBUS-free read of the surviving page still works in this process.
  EXPECT_EQ(p[5], 7);
}

}  // namespace dseek::test
