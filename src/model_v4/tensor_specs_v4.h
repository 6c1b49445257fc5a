// The tensors a DeepSeek-V4 config implies, with the names, dtypes and shapes of the released
// checkpoints (fixtures-v4/README.md "Checkpoint tensors"; no `model.` prefix):
//   FP8 linears: `<base>.weight` F8_E4M3 [out, in] + `<base>.scale` F8_E8M0 [ceil(out/128), ceil(in/128)]
//   FP4 routed experts (expert_dtype "fp4"): `<base>.weight` I8 [out, in/2] (two e2m1 codes a
//     byte) + `<base>.scale` F8_E8M0 [out, in/32]
//   BF16: embed, head, norms, router, compressors' wkv / wgate, indexer weights_proj
//   F32: hc_* parameters, attn_sink, compressors' ape, the router bias; I64 tid2eid (hash layers)
// A config without quantization_config (fp8 false) gets BF16 linears instead of FP8 + scale.
// Used to write virtual (sparse) checkpoints of V4-Flash / V4-Pro and checked against tiny-v4.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model_v4/config_v4.h"
#include "weights/dtype.h"

namespace dseek {

struct TensorSpecV4 {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  int layer = -1;  // trunk 0 .. num_hidden_layers - 1, MTP block i: num_hidden_layers + i; -1 top level
  // Bytes of the tensor's data (I8 packed FP4: one a byte; F8_E8M0: one a scale).
  size_t bytes() const;
};

// Every tensor of the checkpoint, in this order: embed.weight, trunk blocks 0.., MTP blocks,
// norm.weight, hc_head_{fn,base,scale}, head.weight; within a block as ModelWeightsV4::bind
// reads them. Throws nothing (the config is validated already).
std::vector<TensorSpecV4> checkpoint_tensors_v4(const ConfigV4& c);

// Contents for the `gate.tid2eid` table of a synthetic checkpoint (I64 [vocab, experts_per_tok],
// little-endian): row t holds (t + j) mod n_routed_experts for j < experts_per_tok, distinct ids
// in range, so that the model accepts the table (a sparse file's zeros would repeat expert 0).
std::vector<uint8_t> synthetic_tid2eid(const ConfigV4& c);

}  // namespace dseek
