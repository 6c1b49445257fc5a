// Which ggml type each GGUF tensor gets: llama-quantize's choice (llama.cpp src/llama-quant.cpp,
// llama_tensor_get_type, as of the fixtures' llama.cpp de3ff815) for the file types dseek
// knows, then the fallback for rows that are not a whole number of the type's blocks.
//
// Per tensor, as llama-quantize does:
//   1. only >= 2-D tensors named *weight quantise, except *_norm.weight and ffn_gate_inp
//      (the router); the rest stay F32, as llama.cpp's converter writes them;
//   2. the first --tensor-type pattern that matches the name (std::regex_search) gives the
//      type; without a match the file type's mix decides (output -> Q6_K, Q4_K_M's
//      use_more_bits layers of ffn_down -> Q6_K, Q2_K's ffn_down / attn_output -> Q3_K, ...);
//   3. a row length that is not a multiple of the type's block falls back to a 32-element
//      type: IQ* -> IQ4_NL, Q2_K/Q3_K -> Q4_0, Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0
//      (F16 if even that does not fit).
#pragma once
#include <regex>
#include <string>
#include <vector>

#include "convert/file_type.h"
#include "convert/gguf_layout.h"

namespace dseek {

// One --tensor-type 'REGEX=TYPE' rule.
struct TensorTypeOverride {
  std::string spec;     // as given: "REGEX=TYPE"
  std::string pattern;
  std::regex re;
  DType type = DType::F32;
};

// Parses "REGEX=TYPE" (TYPE a ggml type name: q4_k, Q8_0, iq4_nl, f16, bf16, f32; split at
// the last '='). Throws dseek::Error quoting the value for a missing '=', an empty regex, a
// regex std::regex rejects, or an unknown type.
TensorTypeOverride parse_tensor_type_override(const std::string& spec);

// Sets `type` of every tensor in layout.tensors for file type `ft`. `n_expert` and `n_head`
// are the config's n_routed_experts and num_attention_heads (GGUF head_count_kv is 1, so
// llama.cpp's n_gqa() is n_head). Throws dseek::Error naming the tensor where llama.cpp
// would refuse (a row length with no fallback type, a block index past block_count).
// `warnings` (if given) gets one line (no "warning: " prefix) per override that decides no
// tensor's type, saying why, and per tensor whose type fell back, tensors that differ only in
// their block number together ("blk.{0..60}.attn_k_b.weight: rows of 128 elements are not a
// whole number of Q4_K blocks (256): written as Q5_0 instead"), naming the override that
// chose the type if one did.
void choose_tensor_types(GgufLayout& layout, FileType ft, int n_expert, int n_head,
                         const std::vector<TensorTypeOverride>& overrides,
                         std::vector<std::string>* warnings = nullptr);

// Throws dseek::Error naming the first tensor whose chosen type dseek cannot write: a type
// that needs an importance matrix (IQ2_XXS, IQ3_XXS, IQ1_S: llama-quantize refuses them
// without --imatrix too) or one the quantizers lack.
void check_types_writable(const GgufLayout& layout);

}  // namespace dseek
