#include "weights/dtype.h"

#include <array>
#include <cctype>
#include <utility>

namespace dseek {

namespace {
struct Info {
  DType t;
  std::string_view name;
  size_t size;         // bytes per element (plain) or per block
  int64_t block;       // elements per block; 1 = plain
  uint32_t ggml;       // ggml type id, kNoGgml when ggml has none
  bool safetensors;    // a safetensors header spelling
};
constexpr uint32_t kNoGgml = UINT32_MAX;
// Block sizes: ggml-common.h (block_q4_0 = f16 d + 16 bytes, block_q2_K = 16 + 64 + 2 f16, ...).
constexpr std::array<Info, 28> kInfo{{
    {DType::F8_E4M3, "F8_E4M3", 1, 1, kNoGgml, true},
    {DType::BF16, "BF16", 2, 1, 30, true},
    {DType::F16, "F16", 2, 1, 1, true},
    {DType::F32, "F32", 4, 1, 0, true},
    {DType::F64, "F64", 8, 1, 28, true},
    {DType::I8, "I8", 1, 1, 24, true},
    {DType::U8, "U8", 1, 1, kNoGgml, true},
    {DType::I16, "I16", 2, 1, 25, true},
    {DType::I32, "I32", 4, 1, 26, true},
    {DType::I64, "I64", 8, 1, 27, true},
    {DType::BOOL, "BOOL", 1, 1, kNoGgml, true},
    {DType::Q4_0, "Q4_0", 18, 32, 2, false},
    {DType::Q4_1, "Q4_1", 20, 32, 3, false},
    {DType::Q5_0, "Q5_0", 22, 32, 6, false},
    {DType::Q5_1, "Q5_1", 24, 32, 7, false},
    {DType::Q8_0, "Q8_0", 34, 32, 8, false},
    {DType::Q2_K, "Q2_K", 84, 256, 10, false},
    {DType::Q3_K, "Q3_K", 110, 256, 11, false},
    {DType::Q4_K, "Q4_K", 144, 256, 12, false},
    {DType::Q5_K, "Q5_K", 176, 256, 13, false},
    {DType::Q6_K, "Q6_K", 210, 256, 14, false},
    {DType::IQ2_XXS, "IQ2_XXS", 66, 256, 16, false},
    {DType::IQ3_XXS, "IQ3_XXS", 98, 256, 18, false},
    {DType::IQ1_S, "IQ1_S", 50, 256, 19, false},
    {DType::IQ4_NL, "IQ4_NL", 18, 32, 20, false},
    {DType::IQ4_XS, "IQ4_XS", 136, 256, 23, false},
    {DType::F8_E8M0, "F8_E8M0", 1, 1, kNoGgml, true},
    // 32 e2m1 codes in 16 bytes (the scales are another tensor); stored as I8, never a header dtype.
    {DType::F4_E2M1, "F4_E2M1", 16, 32, kNoGgml, false},
}};
static_assert([] {
  for (size_t i = 0; i < kInfo.size(); ++i)
    if (static_cast<size_t>(kInfo[i].t) != i) return false;
  return true;
}(), "kInfo is indexed by DType");
const Info& info(DType t) { return kInfo[static_cast<size_t>(t)]; }

// ggml type names by id (ggml.c type_traits), for messages about types dseek lacks.
constexpr std::array<std::string_view, 40> kGgmlNames{
    "F32",     "F16",    "Q4_0",  "Q4_1",   "Q4_2",    "Q4_3",   "Q5_0",   "Q5_1",   "Q8_0",  "Q8_1",
    "Q2_K",    "Q3_K",   "Q4_K",  "Q5_K",   "Q6_K",    "Q8_K",   "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
    "IQ4_NL",  "IQ3_S",  "IQ2_S", "IQ4_XS", "I8",      "I16",    "I32",    "I64",    "F64",   "IQ1_M",
    "BF16",    "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8",
    "MXFP4"};
}  // namespace

size_t dtype_size(DType t) { return info(t).block == 1 ? info(t).size : 0; }
std::string_view dtype_name(DType t) { return info(t).name; }

bool parse_dtype(std::string_view s, DType* out) {
  for (const auto& i : kInfo) {
    if (i.safetensors && i.name == s) {
      *out = i.t;
      return true;
    }
  }
  return false;
}

bool parse_dtype_any(std::string_view s, DType* out) {
  for (const auto& i : kInfo) {
    if (i.name.size() != s.size()) continue;
    bool eq = true;
    for (size_t k = 0; k < s.size() && eq; ++k)
      eq = std::toupper(static_cast<unsigned char>(s[k])) == i.name[k];
    if (eq) {
      *out = i.t;
      return true;
    }
  }
  return false;
}

bool is_block_quant(DType t) { return info(t).block > 1 && info(t).ggml != kNoGgml; }
int64_t dtype_block_elems(DType t) { return info(t).block; }
size_t dtype_block_bytes(DType t) { return info(t).size; }

size_t dtype_row_bytes(DType t, int64_t n) {
  const Info& i = info(t);
  if (n < 0 || n % i.block != 0) return 0;
  return static_cast<size_t>(n / i.block) * i.size;
}

bool dtype_from_ggml(uint32_t ggml_type, DType* out) {
  for (const auto& i : kInfo) {
    if (i.ggml == ggml_type) {
      *out = i.t;
      return true;
    }
  }
  return false;
}

uint32_t dtype_to_ggml(DType t) { return info(t).ggml; }

std::string ggml_type_name(uint32_t ggml_type) {
  if (ggml_type < kGgmlNames.size()) return std::string(kGgmlNames[ggml_type]);
  return "type " + std::to_string(ggml_type);
}

}  // namespace dseek
