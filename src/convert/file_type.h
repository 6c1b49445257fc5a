// llama.cpp's file types (enum llama_ftype, stored as GGUF `general.file_type`): a named mix
// of tensor types ("Q4_K_M") built on one base type (Q4_K), which type_choice.h refines per
// tensor. The numbers are llama.cpp's, so a GGUF written here reads back as the same ftype.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "weights/dtype.h"

namespace dseek {

enum class FileType : int {
  ALL_F32 = 0, MOSTLY_F16 = 1, Q4_0 = 2, Q4_1 = 3, Q8_0 = 7, Q5_0 = 8, Q5_1 = 9,
  Q2_K = 10, Q3_K_S = 11, Q3_K_M = 12, Q3_K_L = 13, Q4_K_S = 14, Q4_K_M = 15,
  Q5_K_S = 16, Q5_K_M = 17, Q6_K = 18, IQ2_XXS = 19, IQ1_S = 24,
  IQ4_NL = 25, IQ4_XS = 30, MOSTLY_BF16 = 32,
};

// Parses a name as llama-quantize spells it, case-insensitively ("q4_k_m", "Q8_0", "iq4_xs").
// False for a name dseek does not know.
bool parse_file_type(std::string_view s, FileType* out);
// "Q4_K_M", ...
std::string file_type_name(FileType ft);
// The type every quantisable tensor starts from (llama_ftype_get_default_type).
DType file_type_base(FileType ft);
// The file types `dseek quantize --type` offers, in the help's order.
const std::vector<FileType>& quantize_file_types();

}  // namespace dseek
