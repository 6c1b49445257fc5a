// A DeepSeek GGUF (llama.cpp's `deepseek32` / `deepseek2` architectures) seen as a Hugging
// Face checkpoint: the ModelConfig its metadata implies and the HF tensor names its tensors
// stand for (tests/data/fixtures/gguf/README.md, "GGUF <-> Hugging Face mapping").
#pragma once
#include <string>
#include <vector>

#include "weights/config.h"
#include "weights/gguf.h"

namespace dseek {

// ModelConfig from `f`'s metadata (ARCH = general.architecture; keys ARCH.*):
//   deepseek32 -> model_type "deepseek_v32" with the DSA indexer (ARCH.attention.indexer.*),
//   deepseek2  -> "deepseek_v3" without; any other architecture throws.
//   num_hidden_layers = block_count - nextn_predict_layers; qk_nope_head_dim =
//   attention.key_length_mla (or key_length in older files) - rope.dimension_count;
//   v_head_dim = attention.value_length_mla (or value_length); YaRN mscale_all_dim =
//   rope.scaling.yarn_log_multiplier / 0.1 (= rope_mscale); scoring_func from
//   expert_gating_func (1 softmax, 2 sigmoid); norm_topk_prob = expert_weights_norm;
//   vocab_size = ARCH.vocab_size or the length of tokenizer.ggml.tokens; fp8 = false. FLOAT32
//   values are taken as the shortest decimal that names them (1e-6, not 9.99999997e-7), i.e.
//   the config.json value they were converted from.
// Every key whose absence the converter does not give one meaning is required (the list of
// optional ones is in the .cc): e.g. expert_weights_scale, the expert and group counts,
// rope.freq_base, and nextn_predict_layers under deepseek32. The result passes ModelConfig's
// own validation. Throws dseek::Error naming the file and the GGUF key for a missing or
// wrong-typed key ("PATH: missing metadata key 'deepseek32.expert_weights_scale'
// (routed_scaling_factor in the model's config.json); ...").
ModelConfig gguf_model_config(const GgufFile& f);

// One HF-named tensor a GGUF tensor provides. `view.name` stays the GGUF name (an expert
// slice adds "[e]": "blk.1.ffn_gate_exps.weight[3]") and `view.file` the GGUF path, so every
// message about it names what the user can find in the file.
struct GgufMappedTensor {
  std::string hf_name;
  TensorView view;
};

// The HF tensors of GGUF tensor `t`: none when its name is unknown; one for a plain tensor
// (same bytes, same numpy shape: attn_k_b [H, kv_lora, nope] -> self_attn.k_b_proj.weight,
// attn_v_b [H, v, kv_lora] -> self_attn.v_b_proj.weight); E zero-copy slices for a stacked
// expert tensor blk.N.ffn_{gate,up,down}_exps.weight [E, out, in] ->
// model.layers.N.mlp.experts.e.{gate,up,down}_proj.weight [out, in] (slice e starts
// e * out * row_bytes(in) bytes in). Throws dseek::Error naming the file and tensor when a
// stacked tensor is not 3-D.
std::vector<GgufMappedTensor> gguf_to_hf(const TensorView& t);

// The HF name of a GGUF tensor name; "" when unknown. For stacked experts `expert` selects
// the slice ("blk.1.ffn_up_exps.weight", 2 -> "model.layers.1.mlp.experts.2.up_proj.weight").
std::string gguf_to_hf_name(const std::string& gguf_name, int expert = -1);
// The GGUF name an HF name is stored under; "" when none. An expert's name gives the stacked
// tensor and sets *expert to its index (else *expert = -1).
std::string hf_to_gguf_name(const std::string& hf_name, int* expert = nullptr);

// Split files "PREFIX-0000i-of-0000N.gguf" (llama-gguf-split). parse: false when `path`
// is not so named. name: the path of part `no` (1-based) of `count`.
bool parse_gguf_split_path(const std::string& path, std::string* prefix, int* no, int* count);
std::string gguf_split_path(const std::string& prefix, int no, int count);

}  // namespace dseek
