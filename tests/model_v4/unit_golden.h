// Reads tensors of fixtures-v4/unit/golden.unit.safetensors. A small reader of its own: the file
// also holds F8_E8M0 tensors (fp4.scale), a dtype weights/SafetensorsFile does not parse (yet), and
// these tests need only its F32 / F64 / I64 entries.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_paths.h"

namespace dseek::test {

class UnitGoldenV4 {
 public:
  // Loads the whole file (24 KB); fails the test when absent or malformed.
  static UnitGoldenV4 load() {
    UnitGoldenV4 g;
    g.path_ = data_path("fixtures-v4/unit/golden.unit.safetensors");
    EXPECT_FALSE(g.path_.empty()) << "fixtures-v4/unit/golden.unit.safetensors not found";
    std::ifstream in(g.path_, std::ios::binary);
    g.bytes_.assign(std::istreambuf_iterator<char>(in), {});
    uint64_t n = 0;
    if (g.bytes_.size() >= 8) std::memcpy(&n, g.bytes_.data(), 8);
    EXPECT_GE(g.bytes_.size(), 8 + n) << g.path_;
    if (g.bytes_.size() >= 8 + n) g.header_ = nlohmann::json::parse(g.bytes_.begin() + 8, g.bytes_.begin() + 8 + n);
    g.data0_ = 8 + n;
    return g;
  }

  std::vector<int64_t> shape(const std::string& name) const { return entry(name)["shape"].get<std::vector<int64_t>>(); }
  std::vector<float> f32(const std::string& name) const { return read<float>(name, "F32"); }
  std::vector<double> f64(const std::string& name) const { return read<double>(name, "F64"); }
  std::vector<int64_t> i64(const std::string& name) const { return read<int64_t>(name, "I64"); }

 private:
  const nlohmann::json& entry(const std::string& name) const {
    static const nlohmann::json none = nlohmann::json::object({{"shape", nlohmann::json::array()}});
    if (!header_.contains(name)) {
      ADD_FAILURE() << path_ << ": no tensor " << name;
      return none;
    }
    return header_[name];
  }
  template <typename T>
  std::vector<T> read(const std::string& name, const char* dtype) const {
    const nlohmann::json& e = entry(name);
    if (!e.contains("dtype")) return {};
    EXPECT_EQ(e["dtype"].get<std::string>(), dtype) << name;
    const uint64_t b = e["data_offsets"][0], en = e["data_offsets"][1];
    std::vector<T> v((en - b) / sizeof(T));
    EXPECT_LE(data0_ + en, bytes_.size()) << name;
    if (data0_ + en <= bytes_.size()) std::memcpy(v.data(), bytes_.data() + data0_ + b, v.size() * sizeof(T));
    return v;
  }

  std::string path_;
  std::vector<char> bytes_;
  nlohmann::json header_ = nlohmann::json::object();
  uint64_t data0_ = 0;
};

}  // namespace dseek::test
