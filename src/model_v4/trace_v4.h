// Optional capture of the V4 forward's intermediate values (tests, debugging). Keys and layouts
// follow the golden file of fixtures-v4 (README "Golden file").
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dseek {

struct TraceV4 {
  // per layer, per token of the call: selected compressed-entry ids (CSA), ascending
  std::map<int, std::vector<std::vector<int32_t>>> topk;
  // per layer, per token: indexer scores over the entries visible to it (CSA)
  std::map<int, std::vector<std::vector<float>>> index_scores;
  // per layer, per token: routed expert ids, ascending
  std::map<int, std::vector<std::vector<int32_t>>> experts;
  // "embed" [T, H]; "layerL.attn_out" / "layerL.ffn_out" [T, H]; "layerL.hc_streams" [T, n, H];
  // "layerL.compressed_kv" [entries made by the call, head_dim]; "layerL.index_keys" likewise.
  std::map<std::string, std::vector<float>> tensors;

  // Appends [b, e) to tensors[key].
  void append(const std::string& key, const float* b, const float* e) {
    std::vector<float>& v = tensors[key];
    v.insert(v.end(), b, e);
  }
};

}  // namespace dseek
