#include "model_v4/state_v4.h"

#include <limits>
#include <string>

#include "runtime/error.h"

namespace dseek {

void CompressorStateV4::reset(int r, int w) {
  ratio = r;
  width = w;
  a_cur.clear();
  g_cur.clear();
  a_prev.clear();
  g_prev.clear();
  if (r == 4) {  // overlapping compressor: an empty previous block that weighs nothing
    a_prev.assign(static_cast<size_t>(r) * w, 0.0f);
    g_prev.assign(static_cast<size_t>(r) * w, -std::numeric_limits<float>::infinity());
  }
}

namespace {

LayerStateV4 layer_state(const ConfigV4& c, int layer, bool fp4_keys) {
  LayerStateV4 s;
  s.window = c.sliding_window;
  s.head_dim = c.head_dim;
  s.win_kv.assign(static_cast<size_t>(c.sliding_window) * c.head_dim, 0.0f);
  const int r = c.compress_ratio(layer);
  if (r > 0) s.comp_state.reset(r, (r == 4 ? 2 : 1) * c.head_dim);
  if (c.attn_kind(layer) == AttnKindV4::kCsa) {
    s.idx_state.reset(r, 2 * c.index_head_dim);
    if (fp4_keys && c.index_head_dim % kFp4Block != 0)
      throw Error("config.json index_head_dim " + std::to_string(c.index_head_dim) +
                  ": the official numerics' FP4 indexer keys need a multiple of " + std::to_string(kFp4Block));
    if (fp4_keys) s.idx_fp4 = Fp4Keys(c.index_head_dim);
  }
  return s;
}

}  // namespace

StateV4 StateV4::fresh(const ConfigV4& c, bool fp4_index_keys) {
  StateV4 s;
  s.fp4_index_keys = fp4_index_keys;
  for (int L = 0; L < c.num_hidden_layers; ++L) s.layers.push_back(layer_state(c, L, fp4_index_keys));
  for (int i = 0; i < c.num_nextn_predict_layers; ++i)
    s.mtp.push_back(layer_state(c, c.num_hidden_layers + i, fp4_index_keys));
  return s;
}

size_t StateV4::bytes() const {
  size_t n = 0;
  auto add = [&](const LayerStateV4& l) {
    n += 4 * (l.win_kv.size() + l.comp.size() + l.idx_keys.size()) + l.idx_fp4.bytes();
    for (const CompressorStateV4* c : {&l.comp_state, &l.idx_state})
      n += 4 * (c->a_cur.size() + c->g_cur.size() + c->a_prev.size() + c->g_prev.size());
  };
  for (const LayerStateV4& l : layers) add(l);
  for (const LayerStateV4& l : mtp) add(l);
  return n;
}

}  // namespace dseek
