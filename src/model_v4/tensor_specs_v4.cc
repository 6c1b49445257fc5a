#include "model_v4/tensor_specs_v4.h"

#include <cstring>

namespace dseek {

size_t TensorSpecV4::bytes() const {
  if (shape.empty()) return dtype_row_bytes(dtype, 1);
  size_t n = dtype_row_bytes(dtype, shape.back());
  for (size_t i = 0; i + 1 < shape.size(); ++i) n *= static_cast<size_t>(shape[i]);
  return n;
}

namespace {

struct BuilderV4 {
  const ConfigV4& c;
  std::vector<TensorSpecV4> out;
  int layer = -1;

  void add(const std::string& name, DType dt, std::vector<int64_t> shape) {
    out.push_back({name, dt, std::move(shape), layer});
  }
  // FP8 linear + E8M0 128x128 block scales (BF16 when the config has no quantization).
  void fp8(const std::string& base, int64_t rows, int64_t cols) {
    if (!c.fp8) return add(base + ".weight", DType::BF16, {rows, cols});
    add(base + ".weight", DType::F8_E4M3, {rows, cols});
    add(base + ".scale", DType::F8_E8M0, {(rows + 127) / 128, (cols + 127) / 128});
  }
  // Routed expert linear: FP4 (I8 packed pairs + E8M0 per 32 columns) or like the others.
  void expert_linear(const std::string& base, int64_t rows, int64_t cols) {
    if (c.expert_dtype != "fp4") return fp8(base, rows, cols);
    add(base + ".weight", DType::I8, {rows, cols / 2});
    add(base + ".scale", DType::F8_E8M0, {rows, cols / 32});
  }
  void hc(const std::string& p, int64_t mixes, int64_t scales) {
    const int64_t n = c.hc_mult, H = c.hidden_size;
    add(p + "fn", DType::F32, {mixes, n * H});
    add(p + "base", DType::F32, {mixes});
    add(p + "scale", DType::F32, {scales});
  }
  void compressor(const std::string& p, int ratio, int64_t dim) {
    const int64_t width = (ratio == 4 ? 2 : 1) * dim;
    add(p + "wkv.weight", DType::BF16, {width, c.hidden_size});
    add(p + "wgate.weight", DType::BF16, {width, c.hidden_size});
    add(p + "ape", DType::F32, {ratio, width});
    add(p + "norm.weight", DType::BF16, {dim});
  }
  void block(int L) {
    layer = L;
    const bool mtp = L >= c.num_hidden_layers;
    const std::string p = mtp ? "mtp." + std::to_string(L - c.num_hidden_layers) + "." : "layers." + std::to_string(L) + ".";
    const int64_t H = c.hidden_size, n = c.hc_mult, HD = int64_t(c.num_attention_heads) * c.head_dim;
    add(p + "attn_norm.weight", DType::BF16, {H});
    add(p + "ffn_norm.weight", DType::BF16, {H});
    hc(p + "hc_attn_", (2 + n) * n, 3);
    hc(p + "hc_ffn_", (2 + n) * n, 3);
    const std::string a = p + "attn.";
    fp8(a + "wq_a", c.q_lora_rank, H);
    fp8(a + "wq_b", HD, c.q_lora_rank);
    fp8(a + "wkv", c.head_dim, H);
    fp8(a + "wo_a", int64_t(c.o_groups) * c.o_lora_rank, HD / c.o_groups);
    fp8(a + "wo_b", H, int64_t(c.o_groups) * c.o_lora_rank);
    add(a + "q_norm.weight", DType::BF16, {c.q_lora_rank});
    add(a + "kv_norm.weight", DType::BF16, {c.head_dim});
    add(a + "attn_sink", DType::F32, {c.num_attention_heads});
    const int r = c.compress_ratio(L);
    if (r > 0) compressor(a + "compressor.", r, c.head_dim);
    if (c.attn_kind(L) == AttnKindV4::kCsa) {
      fp8(a + "indexer.wq_b", int64_t(c.index_n_heads) * c.index_head_dim, c.q_lora_rank);
      add(a + "indexer.weights_proj.weight", DType::BF16, {c.index_n_heads, H});
      compressor(a + "indexer.compressor.", r, c.index_head_dim);
    }
    const std::string f = p + "ffn.";
    add(f + "gate.weight", DType::BF16, {c.n_routed_experts, H});
    if (c.is_hash_layer(L))
      add(f + "gate.tid2eid", DType::I64, {c.vocab_size, c.num_experts_per_tok});
    else
      add(f + "gate.bias", DType::F32, {c.n_routed_experts});
    for (int e = 0; e < c.n_routed_experts; ++e) {
      const std::string x = f + "experts." + std::to_string(e) + ".";
      expert_linear(x + "w1", c.moe_intermediate_size, H);
      expert_linear(x + "w2", H, c.moe_intermediate_size);
      expert_linear(x + "w3", c.moe_intermediate_size, H);
    }
    const int64_t si = int64_t(c.moe_intermediate_size) * c.n_shared_experts;
    fp8(f + "shared_experts.w1", si, H);
    fp8(f + "shared_experts.w2", H, si);
    fp8(f + "shared_experts.w3", si, H);
    if (mtp) {
      fp8(p + "e_proj", H, H);
      fp8(p + "h_proj", H, H);
      add(p + "enorm.weight", DType::BF16, {H});
      add(p + "hnorm.weight", DType::BF16, {H});
      add(p + "norm.weight", DType::BF16, {H});
      hc(p + "hc_head_", n, 1);
    }
    layer = -1;
  }
};

}  // namespace

std::vector<TensorSpecV4> checkpoint_tensors_v4(const ConfigV4& c) {
  BuilderV4 b{c, {}};
  b.add("embed.weight", DType::BF16, {c.vocab_size, c.hidden_size});
  for (int L = 0; L < c.num_layers_total(); ++L) b.block(L);
  b.add("norm.weight", DType::BF16, {c.hidden_size});
  b.hc("hc_head_", c.hc_mult, 1);
  b.add("head.weight", DType::BF16, {c.vocab_size, c.hidden_size});
  return b.out;
}

std::vector<uint8_t> synthetic_tid2eid(const ConfigV4& c) {
  const int64_t k = c.num_experts_per_tok, E = c.n_routed_experts;
  std::vector<uint8_t> out(static_cast<size_t>(c.vocab_size) * k * 8);
  for (int64_t t = 0; t < c.vocab_size; ++t)
    for (int64_t j = 0; j < k; ++j) {
      const int64_t id = (t + j) % E;
      std::memcpy(out.data() + 8 * (t * k + j), &id, 8);  // little-endian hosts only (as the reader)
    }
  return out;
}

}  // namespace dseek
