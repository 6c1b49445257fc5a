// Tensor element types: the safetensors dtypes and ggml's block-quantised types (GGUF), with
// their byte sizes, header names and ggml type ids.
//
// A block type stores `dtype_block_elems(t)` consecutive elements of a row in
// `dtype_block_bytes(t)` bytes (layouts exactly as ggml's ggml-common.h defines them; see
// kernels/quant/blocks.h). A plain type is a block of one element.
//
// DeepSeek-V4's formats: F8_E8M0 (safetensors; one byte 2^(code - 127), code 255 = NaN) holds
// the power-of-two scales of its FP8 linears and FP4 experts. F4_E2M1 is the kind of an FP4
// expert matrix, not a stored dtype: the checkpoint ships it as I8 [rows, cols / 2], two e2m1
// codes a byte (column c in the low nibble of byte c / 2 when c is even, the high nibble when
// odd; codes 0..7 = 0, .5, 1, 1.5, 2, 3, 4, 6, bit 3 the sign), with an F8_E8M0 scale per 32
// columns in a tensor of its own. dtype_block_elems / dtype_block_bytes / dtype_row_bytes
// describe its codes as blocks of 32 columns in 16 bytes; it is not a ggml block type.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dseek {

enum class DType : uint8_t {
  F8_E4M3, BF16, F16, F32, F64, I8, U8, I16, I32, I64, BOOL,
  // ggml block types (GGUF)
  Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
  IQ2_XXS, IQ3_XXS, IQ1_S, IQ4_NL, IQ4_XS,
  // DeepSeek-V4 (appended: the values above keep their numbers)
  F8_E8M0, F4_E2M1,
};

// Bytes per element of a plain type; 0 for a block type (use dtype_row_bytes).
size_t dtype_size(DType t);
// The safetensors header spelling ("F8_E4M3", "BF16", ...) or ggml's name ("Q4_K", "IQ2_XXS").
std::string_view dtype_name(DType t);
// Parses a safetensors header dtype string (plain types only); false for anything else.
bool parse_dtype(std::string_view s, DType* out);
// Parses any name dtype_name() gives, case-insensitively ("q4_k", "IQ2_XXS", "bf16").
bool parse_dtype_any(std::string_view s, DType* out);

// True for ggml's block-quantised types (not F4_E2M1, whose scales are stored apart).
bool is_block_quant(DType t);
// Elements per block (1 for plain types; 32 or 256 for block types; 32 for F4_E2M1).
int64_t dtype_block_elems(DType t);
// Bytes per block (dtype_size for plain types).
size_t dtype_block_bytes(DType t);
// Bytes of `n` consecutive elements of a row; n must be a multiple of dtype_block_elems(t)
// (callers validate shapes first). Returns 0 when it is not.
size_t dtype_row_bytes(DType t, int64_t n);

// ggml's type id (enum ggml_type: F32 0, F16 1, Q4_0 2, ..., BF16 30) <-> DType.
// False / UINT32_MAX for an id or type the other side lacks.
bool dtype_from_ggml(uint32_t ggml_type, DType* out);
uint32_t dtype_to_ggml(DType t);
// ggml's name of a type id, known to dseek or not ("IQ2_XS", "type 99").
std::string ggml_type_name(uint32_t ggml_type);

}  // namespace dseek
