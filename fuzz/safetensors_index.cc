// model.safetensors.index.json parsing: the input is written as the index of a checkpoint
// directory that holds one valid shard, "a.safetensors" (tensors "x" and "y"), and opened with
// Checkpoint::open_tensors. Any index either maps names to tensors of that shard or throws
// dseek::Error (corrupt JSON, no weight_map, a non-string entry, a path outside the
// directory, a missing shard or tensor). Checks: no crash, no UB, no leak, no other exception.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/error.h"
#include "weights/checkpoint.h"

namespace fs = std::filesystem;

namespace {

std::string g_dir;

void remove_dir() { std::error_code ec; fs::remove_all(g_dir, ec); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_dir = (fs::temp_directory_path() / ("dseek-fuzz-index-" + std::to_string(getpid()))).string();
  fs::create_directories(g_dir);
  std::atexit(remove_dir);
  dseek::write_safetensors(g_dir + "/a.safetensors",
                           {{"x", dseek::DType::F32, {2}, std::vector<uint8_t>(8, 0)},
                            {"y", dseek::DType::BF16, {1, 3}, std::vector<uint8_t>(6, 1)}});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(g_dir + "/model.safetensors.index.json", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    auto ck = dseek::Checkpoint::open_tensors(g_dir);
    for (const auto& [name, t] : ck->tensors())
      if (t == nullptr || (name != "x" && name != "y")) std::abort();
  } catch (const dseek::Error&) {
  }
  return 0;
}
