// The per-sequence state of the DeepSeek-V4 forward: what a sequence carries from one chunk (or
// decode step) to the next, per attention layer (trunk and MTP):
//   - the window ring: the kv rows of the last sliding_window positions;
//   - the compressed entries made so far (ratio > 0) and, for CSA layers, the indexer's keys;
//   - each compressor's partial block (rows since the last block boundary) and, for the
//     overlapping ratio-4 compressor, the previous complete block.
// Source: oracle-v4 dsv4_ref.py `Session`, `LayerCache`, `CompState`; REPORT.md traps 2, 3, 16.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/fp4_index.h"
#include "model_v4/config_v4.h"

namespace dseek {

// A compressor's carry: rows a = wkv x and g = wgate x + ape[pos % ratio] of the tokens since
// the last block boundary ([n_cur, width], n_cur < ratio), and for ratio 4 the previous complete
// block ([ratio, width]; before the first block a = 0, g = -inf so that it weighs nothing).
struct CompressorStateV4 {
  int ratio = 0, width = 0;
  std::vector<float> a_cur, g_cur;
  std::vector<float> a_prev, g_prev;
  void reset(int ratio, int width);
  int64_t n_cur() const { return width ? static_cast<int64_t>(a_cur.size()) / width : 0; }
};

struct LayerStateV4 {
  int window = 0, head_dim = 0;
  // Ring of the last `window` kv rows: slot p % window holds position p ([window, head_dim]).
  std::vector<float> win_kv;
  std::vector<float> comp;      // [n_entries, head_dim] compressed entries, entry j = tokens j*r..j*r+r-1
  std::vector<float> idx_keys;  // [n_entries, index_head_dim] (CSA, fp32 keys)
  Fp4Keys idx_fp4;              // the same keys as FP4 codes (CSA of a state with fp4_index_keys)
  CompressorStateV4 comp_state, idx_state;
};

struct StateV4 {
  // Official numerics: the indexer keys (FP4-simulated) kept as 4-bit codes in idx_fp4 and
  // scored in integer arithmetic (kernels/fp4_index.h); else fp32 rows in idx_keys.
  bool fp4_index_keys = false;
  int64_t pos = 0;      // tokens the trunk has seen
  int64_t mtp_pos = 0;  // tokens the MTP block has seen
  std::vector<LayerStateV4> layers;  // num_hidden_layers
  std::vector<LayerStateV4> mtp;     // num_nextn_predict_layers

  // An empty state (position 0, every compressor reset) for config c. fp4_index_keys: the
  // indexer keys' storage (only for the official numerics; needs index_head_dim % 32 == 0,
  // else throws dseek::Error).
  static StateV4 fresh(const ConfigV4& c, bool fp4_index_keys = false);
  // Bytes the state holds now (window rings, entries, partial blocks: fp32; FP4 key records).
  size_t bytes() const;
};

}  // namespace dseek
