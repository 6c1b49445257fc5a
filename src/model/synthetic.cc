#include "model/synthetic.h"

#include <cmath>
#include <cstring>

#include "kernels/numeric.h"
#include "model/tensor_specs.h"
#include "runtime/error.h"

namespace dseek {

namespace {

// splitmix64: fast, seedable, parallel-friendly (each index hashes independently).
inline uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
inline float unit(uint64_t h) { return static_cast<float>((h >> 40) * (1.0 / (1ull << 24))) * 2.0f - 1.0f; }

// Byte offsets of the fp16 scale fields of one ggml block (ggml-common.h layouts).
std::vector<int> f16_fields(DType t) {
  switch (t) {
    case DType::Q4_1: case DType::Q5_1: case DType::Q4_K: case DType::Q5_K: return {0, 2};
    case DType::Q2_K: return {80, 82};
    case DType::Q3_K: return {108};
    case DType::Q6_K: return {208};
    default: return {0};
  }
}

}  // namespace

void random_quant_blocks(DType t, uint8_t* p, int64_t blocks, uint64_t k) {
  const int64_t bb = static_cast<int64_t>(dtype_block_bytes(t));
  const std::vector<int> fields = f16_fields(t);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t* q = p + b * bb;
    for (int64_t i = 0; i < bb; i += 8) {
      const uint64_t h = mix(k ^ static_cast<uint64_t>(b * bb + i));
      for (int64_t j = 0; j < 8 && i + j < bb; ++j) q[i + j] = static_cast<uint8_t>(h >> (8 * j));
    }
    for (int f : fields) q[f] = 0x00, q[f + 1] = 0x08;  // 0x0800 = 2^-13
  }
}

namespace {

}  // namespace

ModelConfig real_config() {
  return ModelConfig::from_json_text(R"({
    "model_type": "deepseek_v32", "vocab_size": 129280, "hidden_size": 7168, "intermediate_size": 18432,
    "moe_intermediate_size": 2048, "num_hidden_layers": 61, "first_k_dense_replace": 3, "moe_layer_freq": 1,
    "num_attention_heads": 128, "n_routed_experts": 256, "n_shared_experts": 1, "num_experts_per_tok": 8,
    "n_group": 8, "topk_group": 4, "routed_scaling_factor": 2.5, "scoring_func": "sigmoid", "topk_method": "noaux_tc",
    "norm_topk_prob": true, "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64, "v_head_dim": 128, "rope_theta": 10000, "rms_norm_eps": 1e-6,
    "max_position_embeddings": 163840, "num_nextn_predict_layers": 1,
    "rope_scaling": {"type": "yarn", "factor": 40, "original_max_position_embeddings": 4096, "beta_fast": 32,
                     "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0},
    "index_n_heads": 64, "index_head_dim": 128, "index_topk": 2048,
    "quantization_config": {"quant_method": "fp8", "fmt": "e4m3", "activation_scheme": "dynamic",
                            "scale_fmt": "ue8m0", "weight_block_size": [128, 128]},
    "bos_token_id": 0, "eos_token_id": 1, "tie_word_embeddings": false})",
                                     "built-in DeepSeek-V3.2 config");
}

ModelConfig real_layer_config(int experts, int vocab) {
  ModelConfig c = real_config();
  c.num_hidden_layers = 1;
  c.first_k_dense_replace = 0;
  c.num_nextn_predict_layers = 0;
  c.vocab_size = vocab;
  c.n_routed_experts = experts;
  c.n_group = experts >= 64 && experts % 8 == 0 ? 8 : 1;
  c.topk_group = c.n_group == 8 ? 4 : 1;
  c.num_experts_per_tok = std::min(8, experts);
  return c;
}

std::unique_ptr<Checkpoint> synthetic_checkpoint(const ModelConfig& c, uint64_t seed, const std::string& label,
                                                 const std::function<DType(const TensorSpec&)>& type_of) {
  std::vector<TensorSpec> specs = checkpoint_tensors(c);
  if (type_of) specs = retype_weights(specs, type_of);
  std::vector<TensorData> tensors;
  tensors.reserve(specs.size());
  uint64_t salt = seed;
  for (const TensorSpec& s : specs) {
    TensorData t{s.name, s.dtype, s.shape, std::vector<uint8_t>(s.bytes())};
    salt = mix(salt);
    const uint64_t k = salt;
    uint8_t* p = t.bytes.data();
    if (is_block_quant(s.dtype)) {
      random_quant_blocks(s.dtype, p, static_cast<int64_t>(s.bytes() / dtype_block_bytes(s.dtype)), k);
      tensors.push_back(std::move(t));
      continue;
    }
    const int64_t n = static_cast<int64_t>(s.bytes() / dtype_size(s.dtype));
    if (s.dtype == DType::F8_E4M3) {
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < n; i += 8) {
        uint64_t h = mix(k ^ static_cast<uint64_t>(i));
        for (int64_t j = 0; j < 8 && i + j < n; ++j) {
          uint8_t b = static_cast<uint8_t>(h >> (8 * j));
          p[i + j] = (b & 0x7f) == 0x7f ? 0x7e : b;
        }
      }
    } else if (s.dtype == DType::F32) {
      float* f = reinterpret_cast<float*>(p);
      // Scales: 2^-8 keeps |W| <= 1.75; the router bias stays 0.
      const float v = s.role == TensorRole::Scale ? std::ldexp(1.0f, -8) : 0.0f;
      for (int64_t i = 0; i < n; ++i) f[i] = v;
    } else {  // BF16
      uint16_t* b = reinterpret_cast<uint16_t*>(p);
      const float amp = s.role == TensorRole::Embedding ? 1.0f : 0.02f;
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < n; ++i) {
        float v = s.role == TensorRole::Norm ? 1.0f : s.role == TensorRole::Bias ? 0.0f : amp * unit(mix(k ^ i));
        b[i] = f32_to_bf16(v);
      }
    }
    tensors.push_back(std::move(t));
  }
  return Checkpoint::in_memory(c, std::move(tensors), label);
}

std::function<DType(const TensorSpec&)> weight_mix(const std::string& name) {
  auto routed = [](const TensorSpec& s) { return s.name.find(".mlp.experts.") != std::string::npos; };
  auto has = [](const TensorSpec& s, const char* part) { return s.name.find(part) != std::string::npos; };
  if (name == "fp8") return {};
  if (name == "q8_0") return [](const TensorSpec&) { return DType::Q8_0; };
  if (name == "q2_k") return [](const TensorSpec&) { return DType::Q2_K; };
  if (name == "q4_k-mix") return [routed](const TensorSpec& s) { return routed(s) ? DType::Q4_K : DType::Q8_0; };
  if (name == "q4_k_m")
    return [has](const TensorSpec& s) { return has(s, "down_proj") || has(s, "kv_b_proj") ? DType::Q6_K : DType::Q4_K; };
  if (name == "iq2_xxs-mix") return [routed](const TensorSpec& s) { return routed(s) ? DType::IQ2_XXS : DType::Q4_K; };
  throw Error("unknown weight mix '" + name + "' (fp8, q8_0, q4_k-mix, q4_k_m, q2_k, iq2_xxs-mix)");
}

void fill_cache_random(const ModelConfig& c, SequenceCache& cache, int64_t length, uint64_t seed,
                       const std::vector<int32_t>* tokens) {
  cache.release();
  cache.reserve(length);
  const int64_t C = c.kv_lora_rank, R = c.qk_rope_head_dim, D = c.has_indexer ? c.index_head_dim : 0;
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    const uint64_t salt = mix(seed + static_cast<uint64_t>(l));
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < length; ++p) {
      std::vector<float> row(C + R + D);
      for (int64_t i = 0; i < C + R + D; ++i) row[i] = unit(mix(salt ^ (static_cast<uint64_t>(p) * 4096 + i)));
      cache.write(l, p, row.data(), row.data() + C, D ? row.data() + C + R : nullptr);
    }
  }
  std::vector<int32_t> unknown(length, -1);  // without tokens the rows are never published
  cache.commit(tokens ? tokens->data() : unknown.data(), length);
}

}  // namespace dseek
