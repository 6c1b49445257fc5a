#include "model_v4/weights_v4.h"

#include <cstring>
#include <filesystem>

#include "kernels/numeric.h"
#include "kernels/weight_matrix.h"
#include "runtime/error.h"

namespace dseek {

namespace {

std::string where(const TensorView& t) { return (t.file ? *t.file : std::string("?")) + ": tensor '" + t.name + "'"; }

class BinderV4 {
 public:
  BinderV4(const Checkpoint& ck, const ConfigV4& c) : ck_(ck), c_(c) {}
  size_t params = 0;

  // Why the tensors being bound now are required, for the message of a missing one
  // ("a CSA layer: compress_ratios[1] = 4 in config.json").
  std::string why;

  // The tensor `name`; absent: "<index or model.safetensors>: missing tensor 'NAME' (WHY)".
  const TensorView& get(const std::string& name) const {
    if (const TensorView* t = ck_.find(name)) return *t;
    namespace fs = std::filesystem;
    std::string msg;
    std::error_code ec;
    for (const char* f : {"model.safetensors.index.json", "model.safetensors"}) {
      const fs::path p = fs::path(ck_.dir()) / f;
      if (fs::is_regular_file(p, ec)) {
        msg = p.string() + ": missing tensor '" + name + "'";
        break;
      }
    }
    if (msg.empty()) msg = ck_.missing_tensor_message(name);
    throw Error(msg + (why.empty() ? std::string() : " (" + why + ")"));
  }

  Matrix linear(const std::string& name, int64_t rows, int64_t cols) {
    params += static_cast<size_t>(rows * cols);
    get(name);
    return weight_matrix(ck_, name, rows, cols);
  }

  // A small BF16 or F32 tensor of the given shape as fp32 values.
  std::vector<float> floats(const std::string& name, std::vector<int64_t> shape) {
    const TensorView& t = get(name);
    if (t.shape != shape) {
      TensorView want;
      want.shape = shape;
      throw Error(where(t) + " has shape " + t.shape_str() + ", expected " + want.shape_str());
    }
    std::vector<float> v(t.numel());
    if (t.dtype == DType::BF16) {
      for (size_t i = 0; i < v.size(); ++i) {
        uint16_t b;
        std::memcpy(&b, t.data + 2 * i, 2);
        v[i] = bf16_to_f32(b);
      }
    } else if (t.dtype == DType::F32) {
      std::memcpy(v.data(), t.data, v.size() * 4);
    } else {
      throw Error(where(t) + " has dtype " + std::string(dtype_name(t.dtype)) + ", expected BF16 or F32");
    }
    params += v.size();
    return v;
  }

  HcWeightsV4 hc(const std::string& p, int64_t mixes, int64_t scales) {
    const int64_t n = c_.hc_mult, H = c_.hidden_size;
    HcWeightsV4 h;
    h.fn = linear(p + "fn", mixes, n * H);
    if (h.fn.dtype != DType::F32)
      throw Error(where(get(p + "fn")) + " has dtype " + std::string(dtype_name(h.fn.dtype)) + ", expected F32");
    h.base = floats(p + "base", {mixes});
    h.scale = floats(p + "scale", {scales});
    return h;
  }

  CompressorWeightsV4 compressor(const std::string& p, int ratio, int dim) {
    const int c = ratio == 4 ? 2 : 1;
    CompressorWeightsV4 w;
    w.dim = dim;
    w.width = c * dim;
    w.wkv = linear(p + "wkv.weight", w.width, c_.hidden_size);
    w.wgate = linear(p + "wgate.weight", w.width, c_.hidden_size);
    w.ape = floats(p + "ape", {ratio, w.width});
    w.norm = floats(p + "norm.weight", {dim});
    return w;
  }

  AttnWeightsV4 attention(const std::string& p, int layer) {
    const ConfigV4& c = c_;
    const int64_t H = c.hidden_size, HD = static_cast<int64_t>(c.num_attention_heads) * c.head_dim;
    AttnWeightsV4 a;
    a.ratio = c.compress_ratio(layer);
    a.wq_a = linear(p + "wq_a.weight", c.q_lora_rank, H);
    a.wq_b = linear(p + "wq_b.weight", HD, c.q_lora_rank);
    a.wkv = linear(p + "wkv.weight", c.head_dim, H);
    a.wo_a = linear(p + "wo_a.weight", static_cast<int64_t>(c.o_groups) * c.o_lora_rank, HD / c.o_groups);
    a.wo_b = linear(p + "wo_b.weight", H, static_cast<int64_t>(c.o_groups) * c.o_lora_rank);
    a.q_norm = floats(p + "q_norm.weight", {c.q_lora_rank});
    a.kv_norm = floats(p + "kv_norm.weight", {c.head_dim});
    a.attn_sink = floats(p + "attn_sink", {c.num_attention_heads});
    const std::string saved = why;
    const std::string ratio_key = "compress_ratios[" + std::to_string(layer) + "] = " + std::to_string(a.ratio);
    if (a.ratio > 0) {
      a.has_compressor = true;
      why = (c.attn_kind(layer) == AttnKindV4::kCsa ? "a CSA layer: " : "an HCA layer: ") + ratio_key +
            " in config.json" + (saved.empty() ? "" : "; " + saved);
      a.compressor = compressor(p + "compressor.", a.ratio, c.head_dim);
    }
    if (c.attn_kind(layer) == AttnKindV4::kCsa) {
      a.has_indexer = true;
      a.idx_wq_b = linear(p + "indexer.wq_b.weight", static_cast<int64_t>(c.index_n_heads) * c.index_head_dim,
                          c.q_lora_rank);
      a.idx_weights_proj = linear(p + "indexer.weights_proj.weight", c.index_n_heads, H);
      a.idx_compressor = compressor(p + "indexer.compressor.", a.ratio, c.index_head_dim);
    }
    why = saved;
    return a;
  }

  ExpertWeightsV4 expert(const std::string& p, int64_t inter) {
    ExpertWeightsV4 e;
    e.w1 = linear(p + "w1.weight", inter, c_.hidden_size);
    e.w2 = linear(p + "w2.weight", c_.hidden_size, inter);
    e.w3 = linear(p + "w3.weight", inter, c_.hidden_size);
    return e;
  }

  FfnWeightsV4 ffn(const std::string& p, int layer) {
    const ConfigV4& c = c_;
    FfnWeightsV4 f;
    f.gate = linear(p + "gate.weight", c.n_routed_experts, c.hidden_size);
    f.hash = c.is_hash_layer(layer);
    if (f.hash) {
      const std::string saved = why;
      why = "layer " + std::to_string(layer) + " routes by token id: num_hash_layers = " +
            std::to_string(c.num_hash_layers) + " in config.json";
      const TensorView& t = get(p + "gate.tid2eid");
      why = saved;
      const std::vector<int64_t> shape{c.vocab_size, c.num_experts_per_tok};
      if (t.shape != shape) {
        TensorView want;
        want.shape = shape;
        throw Error(where(t) + " has shape " + t.shape_str() + ", expected " + want.shape_str());
      }
      if (t.dtype != DType::I64 && t.dtype != DType::I32)
        throw Error(where(t) + " has dtype " + std::string(dtype_name(t.dtype)) + ", expected I64 or I32");
      f.tid2eid.resize(t.numel());
      for (size_t i = 0; i < f.tid2eid.size(); ++i) {
        int64_t v = 0;
        if (t.dtype == DType::I64) {
          std::memcpy(&v, t.data + 8 * i, 8);
        } else {
          int32_t w;
          std::memcpy(&w, t.data + 4 * i, 4);
          v = w;
        }
        if (v < 0 || v >= c.n_routed_experts)
          throw Error(where(t) + ": expert id " + std::to_string(v) + " at row " +
                      std::to_string(i / c.num_experts_per_tok) + " is outside 0.." +
                      std::to_string(c.n_routed_experts - 1));
        f.tid2eid[i] = static_cast<int32_t>(v);
        // The ids of a row are distinct: a repeated expert would weigh twice.
        const size_t row0 = i - i % c.num_experts_per_tok;
        for (size_t q = row0; q < i; ++q)
          if (f.tid2eid[q] == f.tid2eid[i])
            throw Error(where(t) + ": expert id " + std::to_string(v) + " appears twice in row " +
                        std::to_string(i / c.num_experts_per_tok) + " (a token's experts are distinct)");
      }
    } else {
      f.bias = floats(p + "gate.bias", {c.n_routed_experts});
    }
    f.experts.reserve(c.n_routed_experts);
    for (int e = 0; e < c.n_routed_experts; ++e)
      f.experts.push_back(expert(p + "experts." + std::to_string(e) + ".", c.moe_intermediate_size));
    f.shared = expert(p + "shared_experts.", static_cast<int64_t>(c.moe_intermediate_size) * c.n_shared_experts);
    return f;
  }

  BlockWeightsV4 block(int layer) {
    const ConfigV4& c = c_;
    const int n = c.hc_mult;
    BlockWeightsV4 b;
    b.layer = layer;
    const bool mtp = layer >= c.num_hidden_layers;
    b.prefix = mtp ? "mtp." + std::to_string(layer - c.num_hidden_layers) + "." : "layers." + std::to_string(layer) + ".";
    const std::string& p = b.prefix;
    why = mtp ? "MTP block " + std::to_string(layer - c.num_hidden_layers) + ": num_nextn_predict_layers = " +
                    std::to_string(c.num_nextn_predict_layers) + " in config.json"
              : "";
    b.attn_norm = floats(p + "attn_norm.weight", {c.hidden_size});
    b.ffn_norm = floats(p + "ffn_norm.weight", {c.hidden_size});
    b.hc_attn = hc(p + "hc_attn_", static_cast<int64_t>(2 + n) * n, 3);
    b.hc_ffn = hc(p + "hc_ffn_", static_cast<int64_t>(2 + n) * n, 3);
    b.attn = attention(p + "attn.", layer);
    b.ffn = ffn(p + "ffn.", layer);
    if (mtp) {
      b.e_proj = linear(p + "e_proj.weight", c.hidden_size, c.hidden_size);
      b.h_proj = linear(p + "h_proj.weight", c.hidden_size, c.hidden_size);
      b.enorm = floats(p + "enorm.weight", {c.hidden_size});
      b.hnorm = floats(p + "hnorm.weight", {c.hidden_size});
      b.norm = floats(p + "norm.weight", {c.hidden_size});
      b.hc_head = hc(p + "hc_head_", n, 1);
    }
    why.clear();
    return b;
  }

 private:
  const Checkpoint& ck_;
  const ConfigV4& c_;
};

}  // namespace

ModelWeightsV4 ModelWeightsV4::bind(const Checkpoint& ck, const ConfigV4& c) {
  BinderV4 b(ck, c);
  ModelWeightsV4 w;
  w.embed = b.linear("embed.weight", c.vocab_size, c.hidden_size);
  w.head = b.linear("head.weight", c.vocab_size, c.hidden_size);
  w.norm = b.floats("norm.weight", {c.hidden_size});
  w.hc_head = b.hc("hc_head_", c.hc_mult, 1);
  for (int L = 0; L < c.num_hidden_layers; ++L) w.layers.push_back(b.block(L));
  for (int i = 0; i < c.num_nextn_predict_layers; ++i) w.mtp.push_back(b.block(c.num_hidden_layers + i));
  w.n_params = b.params;
  return w;
}

}  // namespace dseek
