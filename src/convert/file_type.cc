#include "convert/file_type.h"

#include <array>
#include <cctype>

namespace dseek {

namespace {
struct Info {
  FileType ft;
  std::string_view name;
  DType base;
};
constexpr std::array<Info, 21> kInfo{{
    {FileType::ALL_F32, "F32", DType::F32},        {FileType::MOSTLY_F16, "F16", DType::F16},
    {FileType::MOSTLY_BF16, "BF16", DType::BF16},  {FileType::Q8_0, "Q8_0", DType::Q8_0},
    {FileType::Q4_0, "Q4_0", DType::Q4_0},         {FileType::Q4_1, "Q4_1", DType::Q4_1},
    {FileType::Q5_0, "Q5_0", DType::Q5_0},         {FileType::Q5_1, "Q5_1", DType::Q5_1},
    {FileType::Q2_K, "Q2_K", DType::Q2_K},         {FileType::Q3_K_S, "Q3_K_S", DType::Q3_K},
    {FileType::Q3_K_M, "Q3_K_M", DType::Q3_K},     {FileType::Q3_K_L, "Q3_K_L", DType::Q3_K},
    {FileType::Q4_K_S, "Q4_K_S", DType::Q4_K},     {FileType::Q4_K_M, "Q4_K_M", DType::Q4_K},
    {FileType::Q5_K_S, "Q5_K_S", DType::Q5_K},     {FileType::Q5_K_M, "Q5_K_M", DType::Q5_K},
    {FileType::Q6_K, "Q6_K", DType::Q6_K},         {FileType::IQ2_XXS, "IQ2_XXS", DType::IQ2_XXS},
    {FileType::IQ1_S, "IQ1_S", DType::IQ1_S},
    {FileType::IQ4_NL, "IQ4_NL", DType::IQ4_NL},   {FileType::IQ4_XS, "IQ4_XS", DType::IQ4_XS},
}};

const Info* find(FileType ft) {
  for (const auto& i : kInfo)
    if (i.ft == ft) return &i;
  return nullptr;
}
}  // namespace

bool parse_file_type(std::string_view s, FileType* out) {
  for (const auto& i : kInfo) {
    if (i.name.size() != s.size()) continue;
    bool eq = true;
    for (size_t k = 0; k < s.size() && eq; ++k) eq = std::toupper(static_cast<unsigned char>(s[k])) == i.name[k];
    if (eq) {
      *out = i.ft;
      return true;
    }
  }
  return false;
}

std::string file_type_name(FileType ft) {
  const Info* i = find(ft);
  return i ? std::string(i->name) : "ftype " + std::to_string(static_cast<int>(ft));
}

DType file_type_base(FileType ft) {
  const Info* i = find(ft);
  return i ? i->base : DType::F32;
}

const std::vector<FileType>& quantize_file_types() {
  static const std::vector<FileType> kList = {
      FileType::Q8_0,   FileType::Q6_K,   FileType::Q5_K_M, FileType::Q5_K_S, FileType::Q4_K_M,
      FileType::Q4_K_S, FileType::Q3_K_L, FileType::Q3_K_M, FileType::Q3_K_S, FileType::Q2_K,
      FileType::IQ4_XS, FileType::IQ4_NL, FileType::Q5_1,   FileType::Q5_0,   FileType::Q4_1,
      FileType::Q4_0,   FileType::MOSTLY_BF16, FileType::MOSTLY_F16, FileType::ALL_F32};
  return kList;
}

}  // namespace dseek
