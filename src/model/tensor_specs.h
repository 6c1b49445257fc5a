// The tensors a DeepSeek-V3.2 / V3 config implies, with the dtypes and shapes of the released
// Hugging Face checkpoints (FP8 e4m3 projections with F32 weight_scale_inv blocks; BF16
// norms, embeddings, heads, router, indexer weights_proj and MTP extras; F32 router bias).
// Used to build synthetic checkpoints (benchmarks, the virtual 671B checkpoint).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "weights/config.h"
#include "weights/dtype.h"

namespace dseek {

enum class TensorRole { Weight, Scale, Norm, Bias, Embedding };

struct TensorSpec {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  TensorRole role = TensorRole::Weight;
  int layer = -1;  // -1: top level
  size_t bytes() const;
};

// In checkpoint order: embedding, layers 0..L-1, MTP layers, final norm, lm_head.
std::vector<TensorSpec> checkpoint_tensors(const ModelConfig& c);

// The same tensors with each 2-D weight given the type type_of(weight) when that is a ggml
// block type whose block divides the row (an FP8 weight's weight_scale_inv is then dropped);
// other weights keep their type. For synthetic quantised models (benchmarks).
std::vector<TensorSpec> retype_weights(const std::vector<TensorSpec>& specs,
                                      const std::function<DType(const TensorSpec&)>& type_of);

}  // namespace dseek
