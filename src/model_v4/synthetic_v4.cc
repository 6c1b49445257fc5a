#include "model_v4/synthetic_v4.h"

#include <cstring>
#include <algorithm>
#include <vector>

#include "kernels/numeric.h"
#include "model_v4/tensor_specs_v4.h"
#include "runtime/error.h"

namespace dseek {

namespace {

// deepseek-ai/DeepSeek-V4-Flash config.json (models/deepseek-v4-config/config.json).
const char* kFlashConfig = R"json({
  "architectures": [
    "DeepseekV4ForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 0,
  "eos_token_id": 1,
  "expert_dtype": "fp4",
  "hc_eps": 1e-06,
  "hc_mult": 4,
  "hc_sinkhorn_iters": 20,
  "head_dim": 512,
  "hidden_act": "silu",
  "hidden_size": 4096,
  "index_head_dim": 128,
  "index_n_heads": 64,
  "index_topk": 512,
  "initializer_range": 0.02,
  "max_position_embeddings": 1048576,
  "model_type": "deepseek_v4",
  "moe_intermediate_size": 2048,
  "n_routed_experts": 256,
  "n_shared_experts": 1,
  "norm_topk_prob": true,
  "num_attention_heads": 64,
  "num_experts_per_tok": 6,
  "num_hidden_layers": 43,
  "num_hash_layers": 3,
  "num_key_value_heads": 1,
  "num_nextn_predict_layers": 1,
  "o_groups": 8,
  "o_lora_rank": 1024,
  "q_lora_rank": 1024,
  "qk_rope_head_dim": 64,
  "quantization_config": {
    "activation_scheme": "dynamic",
    "fmt": "e4m3",
    "quant_method": "fp8",
    "scale_fmt": "ue8m0",
    "weight_block_size": [
      128,
      128
    ]
  },
  "rms_norm_eps": 1e-06,
  "rope_scaling": {
    "beta_fast": 32,
    "beta_slow": 1,
    "factor": 16,
    "original_max_position_embeddings": 65536,
    "type": "yarn"
  },
  "rope_theta": 10000,
  "routed_scaling_factor": 1.5,
  "scoring_func": "sqrtsoftplus",
  "sliding_window": 128,
  "swiglu_limit": 10.0,
  "tie_word_embeddings": false,
  "topk_method": "noaux_tc",
  "torch_dtype": "bfloat16",
  "transformers_version": "4.57.1",
  "use_cache": true,
  "vocab_size": 129280,
  "compress_rope_theta": 160000,
  "compress_ratios": [0, 0, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 128, 4, 0]
})json";

bool ends_with(const std::string& s, const std::string& t) {
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// splitmix64: cheap and good enough for random weights (hundreds of MB at the real shapes).
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-a, a).
  float uniform(float a) { return a * (static_cast<float>(next() >> 40) * (2.0f / 16777216.0f) - 1.0f); }
};

std::vector<uint8_t> random_bytes(const TensorSpecV4& t, const ConfigV4& c, Rng& rng) {
  std::vector<uint8_t> b(t.bytes());
  auto fill_f32 = [&](float a, float offset) {
    for (size_t i = 0; i < b.size() / 4; ++i) {
      const float v = offset + (a > 0 ? rng.uniform(a) : 0.0f);
      std::memcpy(b.data() + 4 * i, &v, 4);
    }
  };
  auto fill_bits = [&](uint8_t mask) {
    for (size_t i = 0; i < b.size(); i += 8) {
      uint64_t r = rng.next();
      for (size_t k = i; k < std::min(b.size(), i + 8); ++k, r >>= 8) b[k] = static_cast<uint8_t>(r) & mask;
    }
  };
  switch (t.dtype) {
    case DType::F8_E4M3:  // exponent field <= 7 (|v| <= 1.875), sign random: no NaN
      fill_bits(0xbf);
      break;
    case DType::F8_E8M0:
      std::fill(b.begin(), b.end(), static_cast<uint8_t>(119));  // 2^-8
      break;
    case DType::I8:  // FP4 e2m1 pairs: any code is a number
      fill_bits(0xff);
      break;
    case DType::BF16: {
      const bool norm = t.name.find("norm") != std::string::npos;
      for (size_t i = 0; i < b.size() / 2; ++i) {
        const uint16_t v = f32_to_bf16(norm ? 1.0f : rng.uniform(0.035f));
        std::memcpy(b.data() + 2 * i, &v, 2);
      }
      break;
    }
    case DType::F32:
      if (ends_with(t.name, "_fn")) fill_f32(1.7e-3f, 0.0f);
      else if (ends_with(t.name, "_scale")) fill_f32(0.0f, 1.0f);
      else fill_f32(0.0f, 0.0f);  // bases, sinks, ape, router bias
      break;
    case DType::I64:
      b = synthetic_tid2eid(c);
      break;
    default:
      throw Error(t.name + ": no synthetic data for dtype " + std::string(dtype_name(t.dtype)));
  }
  return b;
}

}  // namespace

ConfigV4 real_flash_config() { return ConfigV4::from_json_text(kFlashConfig, "built-in DeepSeek-V4-Flash config"); }

ConfigV4 flash_layer_config(int experts, int vocab) {
  ConfigV4 c = real_flash_config();
  if (experts < c.num_experts_per_tok || experts > c.n_routed_experts)
    throw Error("--experts must be in " + std::to_string(c.num_experts_per_tok) + ".." + std::to_string(c.n_routed_experts) +
                " for v4-flash-layer (the real model has " + std::to_string(c.n_routed_experts) + ")");
  c.num_hidden_layers = 2;
  c.num_nextn_predict_layers = 0;
  c.compress_ratios = {4, 128};
  c.num_hash_layers = 0;
  c.n_routed_experts = experts;
  c.vocab_size = vocab;
  return c;
}

std::unique_ptr<Checkpoint> synthetic_checkpoint_v4(const ConfigV4& c, uint64_t seed, const std::string& label) {
  Rng rng{seed};
  std::vector<TensorData> tensors;
  for (const TensorSpecV4& t : checkpoint_tensors_v4(c)) tensors.push_back({t.name, t.dtype, t.shape, random_bytes(t, c, rng)});
  return Checkpoint::in_memory(ModelConfig{}, std::move(tensors), label);
}

void fill_state_random(const ConfigV4& c, StateV4& st, int64_t length, uint64_t seed) {
  Rng rng{seed};
  auto fill = [&](std::vector<float>& v, size_t count) {  // unit variance; room to grow (no copy)
    v.reserve(count + count / 8 + 4096);
    v.resize(count);
    for (float& x : v) x = rng.uniform(1.732f);
  };
  auto fill_layers = [&](std::vector<LayerStateV4>& layers, int first) {
    for (size_t i = 0; i < layers.size(); ++i) {
      LayerStateV4& l = layers[i];
      const int r = c.compress_ratio(first + static_cast<int>(i));
      fill(l.win_kv, l.win_kv.size());
      if (r == 0) continue;
      const int64_t entries = length / r, cur = length % r;
      fill(l.comp, static_cast<size_t>(entries) * c.head_dim);
      fill(l.comp_state.a_cur, static_cast<size_t>(cur) * l.comp_state.width);
      fill(l.comp_state.g_cur, static_cast<size_t>(cur) * l.comp_state.width);
      if (c.attn_kind(first + static_cast<int>(i)) == AttnKindV4::kCsa) {
        if (st.fp4_index_keys) {  // the same random rows, FP4-quantised
          std::vector<float> k(c.index_head_dim);
          l.idx_fp4.clear();
          l.idx_fp4.reserve(entries + entries / 8 + 4096);
          for (int64_t j = 0; j < entries; ++j) {
            for (float& x : k) x = rng.uniform(1.732f);
            l.idx_fp4.append_quantized(k.data());
          }
        } else {
          fill(l.idx_keys, static_cast<size_t>(entries) * c.index_head_dim);
        }
        fill(l.idx_state.a_cur, static_cast<size_t>(cur) * l.idx_state.width);
        fill(l.idx_state.g_cur, static_cast<size_t>(cur) * l.idx_state.width);
      }
    }
  };
  fill_layers(st.layers, 0);
  fill_layers(st.mtp, c.num_hidden_layers);
  st.pos = length;
  st.mtp_pos = length;
}

}  // namespace dseek
