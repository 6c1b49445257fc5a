#include "model_v4/plan_v4.h"

#include "kernels/fp4_index.h"

namespace dseek {

const char* weight_class_name(WeightClassV4 k) {
  switch (k) {
    case WeightClassV4::kEmbedHead: return "embeddings+head";
    case WeightClassV4::kAttention: return "attention";
    case WeightClassV4::kCompressorIndexer: return "compressor+indexer";
    case WeightClassV4::kRouter: return "router";
    case WeightClassV4::kSharedExperts: return "shared experts";
    case WeightClassV4::kRoutedExperts: return "routed experts";
    case WeightClassV4::kHc: return "hyper-connections";
    case WeightClassV4::kNorms: return "norms";
    case WeightClassV4::kMtp: return "mtp";
    case WeightClassV4::kOther: return "other";
  }
  return "other";
}

namespace {

bool starts(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool has(const std::string& s, const std::string& p) { return s.find(p) != std::string::npos; }
bool ends(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// A quantisation scale (not a parameter): `<base>.scale` beside a `<base>.weight`.
bool is_quant_scale(const TensorSpecV4& t) {
  return (t.dtype == DType::F8_E8M0 && ends(t.name, ".scale")) || ends(t.name, ".weight_scale_inv");
}

}  // namespace

WeightClassV4 weight_class_v4(const std::string& n) {
  if (starts(n, "mtp.")) return WeightClassV4::kMtp;
  if (n == "embed.weight" || n == "head.weight") return WeightClassV4::kEmbedHead;
  if (n == "norm.weight") return WeightClassV4::kNorms;
  if (starts(n, "hc_head_")) return WeightClassV4::kHc;
  if (!starts(n, "layers.")) return WeightClassV4::kOther;
  if (has(n, ".hc_attn_") || has(n, ".hc_ffn_")) return WeightClassV4::kHc;
  if (ends(n, ".attn_norm.weight") || ends(n, ".ffn_norm.weight")) return WeightClassV4::kNorms;
  if (has(n, ".attn.compressor.") || has(n, ".attn.indexer.")) return WeightClassV4::kCompressorIndexer;
  if (has(n, ".attn.")) return WeightClassV4::kAttention;
  if (has(n, ".ffn.experts.")) return WeightClassV4::kRoutedExperts;
  if (has(n, ".ffn.shared_experts.")) return WeightClassV4::kSharedExperts;
  if (has(n, ".ffn.gate.")) return WeightClassV4::kRouter;
  return WeightClassV4::kOther;
}

WeightPlanV4 weight_plan_v4(const ConfigV4& c, const std::vector<TensorSpecV4>& tensors) {
  WeightPlanV4 p;
  const double routed_frac = c.n_routed_experts ? double(c.num_experts_per_tok) / c.n_routed_experts : 0.0;
  for (const TensorSpecV4& t : tensors) {
    const WeightClassV4 k = weight_class_v4(t.name);
    WeightClassPlanV4& e = p.classes[static_cast<int>(k)];
    const int64_t bytes = static_cast<int64_t>(t.bytes());
    int64_t params = 0;
    if (!is_quant_scale(t) && !ends(t.name, ".tid2eid")) {  // a routing table, not a parameter
      params = 1;
      for (int64_t d : t.shape) params *= d;
      if (t.dtype == DType::I8 && ends(t.name, ".weight")) params *= 2;  // packed FP4: two e2m1 codes a byte
    }
    double frac = 1.0;
    if (k == WeightClassV4::kMtp || k == WeightClassV4::kOther) frac = 0.0;
    else if (k == WeightClassV4::kRoutedExperts) frac = routed_frac;
    else if ((t.name == "embed.weight" || ends(t.name, ".gate.tid2eid")) && !t.shape.empty() && t.shape[0] > 0)
      frac = 1.0 / double(t.shape[0]);  // one row
    e.tensors += 1;
    e.params += params;
    e.bytes += bytes;
    e.active_params += frac * double(params);
    e.active_bytes += frac * double(bytes);
    e.bytes_by_dtype[std::string(dtype_name(t.dtype))] += bytes;
    p.tensors += 1;
    p.params += params;
    p.bytes += bytes;
    p.active_params += frac * double(params);
    p.active_bytes += frac * double(bytes);
  }
  return p;
}

StatePlanV4 state_plan_v4(const ConfigV4& c) {
  StatePlanV4 s;
  for (int L = 0; L < c.num_layers_total(); ++L) {
    LayerStatePlanV4 l;
    l.layer = L;
    l.mtp = L >= c.num_hidden_layers;
    l.kind = c.attn_kind(L);
    l.ratio = c.compress_ratio(L);
    l.window_values = int64_t(c.sliding_window) * c.head_dim;
    if (l.ratio > 0) {
      l.entry_values = c.head_dim;
      // CompressorStateV4: a_cur, g_cur up to ratio - 1 rows of width; ratio 4 also a_prev, g_prev.
      auto carry = [&](int64_t width) {
        return 2 * (l.ratio - 1) * width + (l.ratio == 4 ? 2 * int64_t(l.ratio) * width : 0);
      };
      l.carry_values = carry((l.ratio == 4 ? 2 : 1) * int64_t(c.head_dim));
      if (l.kind == AttnKindV4::kCsa) {
        l.index_key_values = c.index_head_dim;
        l.carry_values += carry(2 * int64_t(c.index_head_dim));
      }
    }
    s.layers.push_back(l);
  }
  return s;
}

int64_t StatePlanV4::bytes_at(int64_t n, int elem_bytes, bool with_mtp) const {
  int64_t b = 0;
  for (const LayerStatePlanV4& l : layers)
    if (with_mtp || !l.mtp) b += l.cache_values_at(n) * elem_bytes + l.carry_values * 4;
  return b;
}

int64_t StatePlanV4::fixed_bytes(int elem_bytes, bool with_mtp) const { return bytes_at(0, elem_bytes, with_mtp); }

int64_t StatePlanV4::sequence_bytes_at(int64_t n, bool fp4_index_keys) const {
  int64_t b = 0;
  for (const LayerStatePlanV4& l : layers) {
    const int64_t e = l.mtp ? 0 : l.entries_at(n);
    b += (l.window_values + e * l.entry_values + l.carry_values) * 4;
    if (fp4_index_keys && l.index_key_values > 0)  // Fp4Keys grows a whole record at a time
      b += (e + kFp4Group - 1) / kFp4Group * Fp4Keys::record_bytes(l.index_key_values);
    else
      b += e * l.index_key_values * 4;
  }
  return b;
}

double StatePlanV4::bytes_per_token(int elem_bytes, bool with_mtp) const {
  double b = 0;
  for (const LayerStatePlanV4& l : layers)
    if (with_mtp || !l.mtp) b += l.values_per_token() * elem_bytes;
  return b;
}

}  // namespace dseek
