#include "weights/dtype.h"

#include <array>
#include <utility>

namespace dseek {

namespace {
struct Info {
  DType t;
  std::string_view name;
  size_t size;
};
constexpr std::array<Info, 11> kInfo{{{DType::F8_E4M3, "F8_E4M3", 1},
                                       {DType::BF16, "BF16", 2},
                                       {DType::F16, "F16", 2},
                                       {DType::F32, "F32", 4},
                                       {DType::F64, "F64", 8},
                                       {DType::I8, "I8", 1},
                                       {DType::U8, "U8", 1},
                                       {DType::I16, "I16", 2},
                                       {DType::I32, "I32", 4},
                                       {DType::I64, "I64", 8},
                                       {DType::BOOL, "BOOL", 1}}};
}  // namespace

size_t dtype_size(DType t) { return kInfo[static_cast<size_t>(t)].size; }
std::string_view dtype_name(DType t) { return kInfo[static_cast<size_t>(t)].name; }

bool parse_dtype(std::string_view s, DType* out) {
  for (const auto& i : kInfo) {
    if (i.name == s) {
      *out = i.t;
      return true;
    }
  }
  return false;
}

}  // namespace dseek
