// Tensor element types of a safetensors file, with their byte sizes and header names.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dseek {

enum class DType : uint8_t { F8_E4M3, BF16, F16, F32, F64, I8, U8, I16, I32, I64, BOOL };

// Bytes per element.
size_t dtype_size(DType t);
// The safetensors header spelling ("F8_E4M3", "BF16", ...).
std::string_view dtype_name(DType t);
// Parses a header dtype string; returns false for one dseek does not know.
bool parse_dtype(std::string_view s, DType* out);

}  // namespace dseek
