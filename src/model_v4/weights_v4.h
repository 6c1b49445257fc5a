// The weights of a DeepSeek-V4 checkpoint bound to typed views, per block, after checking that
// every tensor the config implies is present with its dtype and shape (fixtures-v4/README.md,
// "Checkpoint tensors"). Linears stay in the mmap'd files (FP8 e4m3 + E8M0 128x128 scales, FP4
// e2m1 experts + E8M0 per-32 scales, BF16 / F32); norms, biases, sinks, ape and the hc
// parameters are small fp32 copies.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/matrix.h"
#include "model_v4/config_v4.h"
#include "weights/checkpoint.h"

namespace dseek {

// Gated pooling of `ratio` tokens into one entry (oracle-v4 comp_rows / pool / comp_finish).
struct CompressorWeightsV4 {
  Matrix wkv, wgate;        // [c * dim, hidden] BF16; c = 2 for ratio 4 (first half: previous block)
  std::vector<float> ape;   // [ratio, c * dim]: added to the gate logits at pos % ratio
  std::vector<float> norm;  // [dim] RMSNorm of the pooled entry
  int dim = 0;              // entry width (head_dim, or index_head_dim for the indexer)
  int width = 0;            // c * dim
};

// One sublayer's hyper-connection parameters (hc_{attn,ffn}_* or hc_head_*).
struct HcWeightsV4 {
  Matrix fn;                // F32 [(2 + n) * n, n * hidden] (head: [n, n * hidden])
  std::vector<float> base;  // [(2 + n) * n] (head: [n])
  std::vector<float> scale; // [3] (head: [1])
};

struct AttnWeightsV4 {
  int ratio = 0;                   // compress_ratios[layer]
  Matrix wq_a, wq_b, wkv, wo_a, wo_b;
  std::vector<float> q_norm, kv_norm, attn_sink;
  bool has_compressor = false;     // ratio > 0
  CompressorWeightsV4 compressor;
  bool has_indexer = false;        // ratio == 4 (CSA)
  Matrix idx_wq_b, idx_weights_proj;
  CompressorWeightsV4 idx_compressor;
};

struct ExpertWeightsV4 {  // clamped SwiGLU: w2(silu(w1 x) * w3 x)
  Matrix w1, w2, w3;
};

struct FfnWeightsV4 {
  Matrix gate;                   // router [experts, hidden] BF16
  bool hash = false;             // routes by token id
  std::vector<int32_t> tid2eid;  // hash layers: [vocab, experts_per_tok] expert ids
  std::vector<float> bias;       // score layers: [experts] selection bias
  std::vector<ExpertWeightsV4> experts;
  ExpertWeightsV4 shared;
};

struct BlockWeightsV4 {
  int layer = 0;                 // trunk 0..num_hidden_layers-1, MTP num_hidden_layers + i
  std::string prefix;            // "layers.L." or "mtp.i."
  std::vector<float> attn_norm, ffn_norm;
  HcWeightsV4 hc_attn, hc_ffn;
  AttnWeightsV4 attn;
  FfnWeightsV4 ffn;
  // MTP blocks only
  Matrix e_proj, h_proj;
  std::vector<float> enorm, hnorm, norm;
  HcWeightsV4 hc_head;
};

struct ModelWeightsV4 {
  Matrix embed, head;            // [vocab, hidden] BF16
  std::vector<float> norm;       // [hidden]
  HcWeightsV4 hc_head;
  std::vector<BlockWeightsV4> layers;  // num_hidden_layers
  std::vector<BlockWeightsV4> mtp;     // num_nextn_predict_layers
  size_t n_params = 0;

  // Binds and validates every tensor. Throws dseek::Error naming the file and tensor for a
  // missing tensor (e.g. a CSA layer's compressor), a wrong dtype (e.g. a non-E8M0 scale) or
  // shape (e.g. an FP4 weight of odd packed width), and a tid2eid id out of range or repeated in
  // a row. A tensor absent from the files names the index (or model.safetensors) and why the
  // config needs it ("a CSA layer: compress_ratios[1] = 4 in config.json", "MTP block 0: ...").
  static ModelWeightsV4 bind(const Checkpoint& ck, const ConfigV4& c);
};

}  // namespace dseek
