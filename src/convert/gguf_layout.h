// The GGUF tensors llama.cpp's converter (convert_hf_to_gguf.py) writes for a DeepSeek
// checkpoint, with where each one comes from in the Hugging Face checkpoint. Names, shapes
// and order follow the fixture GGUFs (tests/data/fixtures/gguf/README.md, "GGUF <-> Hugging
// Face mapping"):
//   arch `deepseek32` (model_type deepseek_v32): num_hidden_layers + MTP blocks, the MTP
//     block's tensors as blk.L.nextn.* (its embedding / head copies dropped);
//   arch `deepseek2` (deepseek_v3): the trunk only (llama.cpp's converter skips MTP there).
// Routed experts are stacked into blk.N.ffn_{gate,up,down}_exps [E, out, in]; kv_b_proj
// [H*(nope+v), kv_lora] is split into attn_k_b [H, kv_lora, nope] (per head the k part
// transposed) and attn_v_b [H, v, kv_lora]. Shapes are numpy order (ggml `ne` reversed).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "weights/config.h"
#include "weights/dtype.h"

namespace dseek {

// How a GGUF tensor is assembled from the HF tensors in `sources`.
enum class SourceKind {
  Plain,        // one HF tensor, same shape ([rows, cols] or [n])
  ExpertStack,  // E HF matrices [out, in] (sources[e]) stacked into [E, out, in]
  KvbK,         // kv_b_proj's k rows of each head, transposed: [H, kv_lora, nope]
  KvbV,         // kv_b_proj's v rows of each head: [H, v, kv_lora]
};

// The classes the dry run sums sizes over.
enum class TensorClass { Attention, Indexer, DenseFfn, RoutedExperts, SharedExperts, Embedding, Output, Mtp, NormsRouter };
const char* tensor_class_name(TensorClass c);
constexpr int kTensorClasses = 9;

struct GgufTensorPlan {
  std::string name;                  // GGUF name, e.g. "blk.1.ffn_up_exps.weight"
  std::vector<int64_t> shape;        // numpy order
  SourceKind kind = SourceKind::Plain;
  std::vector<std::string> sources;  // HF tensor names
  TensorClass cls = TensorClass::NormsRouter;
  int block = -1;                    // blk.N, -1 for top-level tensors
  DType type = DType::F32;           // the output type (set by choose_tensor_types)

  int64_t cols() const { return shape.back(); }  // ggml ne[0]: the row length
  int64_t rows() const;                          // all other dims multiplied (1 for a vector)
  int64_t numel() const { return rows() * cols(); }
  // Bytes of the tensor data in `type`; 0 when cols() is not a multiple of its block.
  size_t bytes() const;
};

struct GgufLayout {
  std::string arch;  // "deepseek32" | "deepseek2"
  int block_count = 0;
  std::vector<GgufTensorPlan> tensors;  // llama.cpp's order (top level by name, then blk.0, ...)
};

// The layout a config implies. Throws dseek::Error for a config llama.cpp cannot represent
// (q_lora_rank 0, an unknown model_type).
GgufLayout gguf_layout(const ModelConfig& c);

// llama.cpp's tensor order (llama_model_loader's weight_name_comparer): tensors outside a
// block first, then by block number, each group by name.
bool gguf_tensor_order_less(const std::string& a, const std::string& b);

}  // namespace dseek
