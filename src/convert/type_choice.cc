#include "convert/type_choice.h"

#include <algorithm>
#include <cstdio>

#include "kernels/quant/quant.h"
#include "runtime/error.h"

namespace dseek {

namespace {

// llama-quant.cpp's tensor categories: substring matches on the GGUF name.
enum class Cat { TokenEmbd, AttnQ, AttnV, AttnK, AttnQkv, AttnKvB, AttnOutput, FfnUp, FfnGate, FfnDown, Output, Other };

bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

Cat category(const std::string& n) {
  if (n == "output.weight") return Cat::Output;
  if (n == "token_embd.weight") return Cat::TokenEmbd;
  if (has(n, "attn_qkv.weight")) return Cat::AttnQkv;
  if (has(n, "attn_kv_b.weight")) return Cat::AttnKvB;
  if (has(n, "attn_v.weight")) return Cat::AttnV;
  if (has(n, "attn_k.weight")) return Cat::AttnK;  // also indexer.attn_k
  if (has(n, "attn_q.weight")) return Cat::AttnQ;
  if (has(n, "attn_output.weight")) return Cat::AttnOutput;
  if (has(n, "ffn_up")) return Cat::FfnUp;
  if (has(n, "ffn_gate")) return Cat::FfnGate;
  if (has(n, "ffn_down")) return Cat::FfnDown;
  return Cat::Other;
}

bool is_attn_v(Cat c) { return c == Cat::AttnV || c == Cat::AttnQkv || c == Cat::AttnKvB; }

bool allows_quantization(const GgufTensorPlan& t) {
  const std::string& n = t.name;
  return t.shape.size() >= 2 && n.size() >= 6 && n.compare(n.size() - 6, 6, "weight") == 0 &&
         !has(n, "_norm.weight") && !has(n, "ffn_gate_inp.weight");
}

// Counters and model facts llama-quantize keeps while it walks the tensors in file order.
struct State {
  FileType ft;
  int n_expert, n_gqa, n_layer;
  bool has_output = false;
  int n_attention_wv = 0, i_attention_wv = 0, i_ffn_down = 0, i_ffn_gate = 0, i_ffn_up = 0;
};

bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

// The layer a ffn tensor belongs to: parsed from the name for MoE models (experts are not
// consecutive tensors), else the running counter.
int layer_of(const State& s, int counter, const std::string& name) {
  if (s.n_expert <= 1) return counter;
  int i = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &i) != 1) throw Error("tensor " + name + ": cannot tell its block from the name");
  if (i < 0 || i >= s.n_layer)
    throw Error("tensor " + name + ": block " + std::to_string(i) + " is outside [0, " + std::to_string(s.n_layer) + ")");
  return i;
}

bool is_any(FileType ft, std::initializer_list<FileType> l) {
  for (FileType f : l)
    if (f == ft) return true;
  return false;
}

// llama_tensor_get_type_impl, restricted to the file types of FileType (branches that test
// for other file types are false here and left out).
DType mix_type(State& s, DType t, const GgufTensorPlan& tensor, Cat cat) {
  using F = FileType;
  const F ft = s.ft;
  const std::string& name = tensor.name;
  const bool iq_low = is_any(ft, {F::IQ2_XXS, F::IQ1_S});
  if (cat == Cat::Output || (!s.has_output && cat == Cat::TokenEmbd)) {
    if (tensor.cols() % dtype_block_elems(t) != 0) t = DType::Q8_0;
    else if (iq_low) t = DType::Q5_K;
    else if (t != DType::Q8_0) t = DType::Q6_K;
  } else if (cat == Cat::TokenEmbd) {
    if (iq_low) t = DType::Q2_K;
  } else if (iq_low) {
    if (is_attn_v(cat)) {
      t = (s.n_gqa >= 4 || s.n_expert >= 4) ? DType::Q4_K : DType::Q2_K;
      ++s.i_attention_wv;
    } else if (s.n_expert == 8 && cat == Cat::AttnK) {
      t = DType::Q4_K;
    } else if (cat == Cat::FfnDown) {
      if (s.i_ffn_down < s.n_layer / 8) t = DType::Q2_K;  // the counter, as llama.cpp does here
      ++s.i_ffn_down;
    } else if (cat == Cat::AttnOutput) {
      if (s.n_expert == 8) t = DType::Q5_K;
      else if (ft == F::IQ1_S) t = DType::IQ2_XXS;
    }
  } else if (is_attn_v(cat)) {
    if (ft == F::Q2_K) t = s.n_gqa >= 4 ? DType::Q4_K : DType::Q3_K;
    else if (ft == F::Q3_K_M) t = s.i_attention_wv < 2 ? DType::Q5_K : DType::Q4_K;
    else if (ft == F::Q3_K_L) t = DType::Q5_K;
    else if (is_any(ft, {F::IQ4_NL, F::IQ4_XS}) && s.n_gqa >= 4) t = DType::Q5_K;
    else if (is_any(ft, {F::Q4_K_M, F::Q5_K_M}) && use_more_bits(s.i_attention_wv, s.n_attention_wv)) t = DType::Q6_K;
    else if (ft == F::Q4_K_S && s.i_attention_wv < 4) t = DType::Q5_K;
    if (s.n_expert == 8) t = DType::Q8_0;
    ++s.i_attention_wv;
  } else if (cat == Cat::AttnK) {
    if (s.n_expert == 8) t = DType::Q8_0;
  } else if (cat == Cat::FfnDown) {
    const int i = layer_of(s, s.i_ffn_down, name), n = s.n_layer;
    if (ft == F::Q2_K) t = DType::Q3_K;
    else if (ft == F::Q3_K_M) t = i < n / 16 ? DType::Q5_K : DType::Q4_K;
    else if (ft == F::Q3_K_L) t = DType::Q5_K;
    else if (ft == F::Q4_K_M) { if (use_more_bits(i, n)) t = DType::Q6_K; }
    else if (i < n / 8 && is_any(ft, {F::IQ4_NL, F::IQ4_XS})) t = DType::Q5_K;  // no imatrix
    else if (ft == F::Q5_K_M && use_more_bits(i, n)) t = DType::Q6_K;
    else if (ft == F::Q4_K_S && i < n / 8) t = DType::Q5_K;
    ++s.i_ffn_down;
  } else if (cat == Cat::AttnOutput) {
    if (s.n_expert == 8) {
      if (is_any(ft, {F::Q2_K, F::Q3_K_S, F::Q3_K_M, F::IQ4_NL, F::Q4_K_S, F::Q4_K_M, F::IQ4_XS})) t = DType::Q5_K;
    } else {
      if (ft == F::Q2_K) t = DType::Q3_K;
      else if (ft == F::Q3_K_M) t = DType::Q4_K;
      else if (ft == F::Q3_K_L) t = DType::Q5_K;
    }
  } else if (cat == Cat::AttnQkv) {
    if (is_any(ft, {F::Q3_K_M, F::Q3_K_L})) t = DType::Q4_K;
    else if (ft == F::Q4_K_M) t = DType::Q5_K;
    else if (ft == F::Q5_K_M) t = DType::Q6_K;
  } else if (cat == Cat::FfnGate) {
    layer_of(s, s.i_ffn_gate, name);  // llama.cpp checks the block even where no rule applies
    ++s.i_ffn_gate;
  } else if (cat == Cat::FfnUp) {
    layer_of(s, s.i_ffn_up, name);
    ++s.i_ffn_up;
  }
  return t;
}

// tensor_type_fallback: a 32-element block type for rows the chosen type cannot hold.
DType fallback(DType t, const GgufTensorPlan& tensor) {
  const int64_t n = tensor.cols();
  if (n % dtype_block_elems(t) == 0) return t;
  DType r;
  switch (t) {
    case DType::IQ1_S: case DType::IQ2_XXS: case DType::IQ3_XXS: case DType::IQ4_XS: r = DType::IQ4_NL; break;
    case DType::Q2_K: case DType::Q3_K: r = DType::Q4_0; break;
    case DType::Q4_K: r = DType::Q5_0; break;
    case DType::Q5_K: r = DType::Q5_1; break;
    case DType::Q6_K: r = DType::Q8_0; break;
    default:
      throw Error("tensor " + tensor.name + ": rows of " + std::to_string(n) + " elements are not a whole number of " +
                  std::string(dtype_name(t)) + " blocks (" + std::to_string(dtype_block_elems(t)) +
                  "), and llama.cpp defines no fallback type for " + std::string(dtype_name(t)) +
                  "; give it another type, e.g. --tensor-type '" + tensor.name + "=f16'");
  }
  return n % dtype_block_elems(r) == 0 ? r : DType::F16;
}

}  // namespace

TensorTypeOverride parse_tensor_type_override(const std::string& spec) {
  const size_t eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw Error("--tensor-type '" + spec + "': expected REGEX=TYPE, e.g. 'ffn_down_exps=q6_k'");
  TensorTypeOverride o;
  o.spec = spec;
  o.pattern = spec.substr(0, eq);
  const std::string type = spec.substr(eq + 1);
  if (!parse_dtype_any(type, &o.type) || (!is_block_quant(o.type) && o.type != DType::F32 && o.type != DType::F16 &&
                                          o.type != DType::BF16))
    throw Error("--tensor-type '" + spec + "': unknown type '" + type + "' (a ggml type: q8_0, q6_k, q4_k, iq4_nl, f16, ...)");
  try {
    o.re = std::regex(o.pattern);
  } catch (const std::regex_error& e) {
    throw Error("--tensor-type '" + spec + "': bad regex '" + o.pattern + "': " + e.what());
  }
  return o;
}

void choose_tensor_types(GgufLayout& layout, FileType ft, int n_expert, int n_head,
                         const std::vector<TensorTypeOverride>& overrides, std::vector<std::string>* warnings) {
  State s{ft, n_expert, n_head, layout.block_count};
  for (const auto& t : layout.tensors) {
    const Cat c = category(t.name);
    if (c == Cat::Output) s.has_output = true;
    if (is_attn_v(c)) ++s.n_attention_wv;
  }
  const DType base = file_type_base(ft);
  std::vector<int> uses(overrides.size(), 0);
  // Fallbacks, grouped by the name without its block number, the two types and the override:
  // one warning for blk.{0..60}.attn_k_b.weight rather than 61.
  struct Fallback {
    std::string key, head, tail;  // tail: the name after "blk.N."
    std::vector<int> blocks;
    int64_t cols;
    DType chosen, used;
    int override_index;
  };
  std::vector<Fallback> fallbacks;
  for (auto& t : layout.tensors) {
    if (!allows_quantization(t)) {
      t.type = DType::F32;
      continue;
    }
    DType type = base;
    if (is_block_quant(base)) {
      int manual = -1;
      for (size_t k = 0; k < overrides.size(); ++k) {
        if (std::regex_search(t.name, overrides[k].re)) {
          type = overrides[k].type;
          manual = static_cast<int>(k);
          ++uses[k];
          break;
        }
      }
      if (manual < 0) type = mix_type(s, type, t, category(t.name));
      const DType chosen = type;
      type = fallback(type, t);
      if (warnings && type != chosen) {
        int block = -1, skip = 0;
        std::string tail = t.name;
        if (std::sscanf(t.name.c_str(), "blk.%d.%n", &block, &skip) == 1 && skip > 0) tail = t.name.substr(skip);
        else block = -1;
        const std::string key = tail + "|" + std::to_string(block < 0) + "|" + std::string(dtype_name(chosen)) + "|" +
                                std::string(dtype_name(type)) + "|" + std::to_string(manual);
        auto it = std::find_if(fallbacks.begin(), fallbacks.end(), [&](const Fallback& f) { return f.key == key; });
        if (it == fallbacks.end())
          it = fallbacks.insert(fallbacks.end(), Fallback{key, block < 0 ? t.name : "", tail, {}, t.cols(), chosen, type, manual});
        if (block >= 0) it->blocks.push_back(block);
      }
    }
    t.type = type;
  }
  for (const Fallback& f : fallbacks) {
    std::string name = f.head;
    if (name.empty()) {  // blk.N.x, or blk.{0..2,5}.x
      std::string list;
      for (size_t i = 0; i < f.blocks.size();) {
        size_t j = i;
        while (j + 1 < f.blocks.size() && f.blocks[j + 1] == f.blocks[j] + 1) ++j;
        list += (list.empty() ? "" : ",") + std::to_string(f.blocks[i]) + (j > i ? ".." + std::to_string(f.blocks[j]) : "");
        i = j + 1;
      }
      name = "blk." + (f.blocks.size() == 1 ? list : "{" + list + "}") + "." + f.tail;
    }
    warnings->push_back(name + ": rows of " + std::to_string(f.cols) + " elements are not a whole number of " +
                        std::string(dtype_name(f.chosen)) + " blocks (" + std::to_string(dtype_block_elems(f.chosen)) +
                        "): written as " + std::string(dtype_name(f.used)) + " instead" +
                        (f.override_index >= 0 ? " (type from --tensor-type '" + overrides[f.override_index].spec + "')" : ""));
  }
  if (!warnings) return;
  for (size_t k = 0; k < overrides.size(); ++k) {
    if (uses[k]) continue;
    const TensorTypeOverride& o = overrides[k];
    std::string why;
    if (!is_block_quant(base)) {
      why = "file type " + file_type_name(ft) + " quantises no tensor, so no override applies";
    } else {
      bool any = false, quantised = false;
      for (const auto& t : layout.tensors)
        if (std::regex_search(t.name, o.re)) any = true, quantised = quantised || allows_quantization(t);
      if (!any) why = "matches no tensor (GGUF names, e.g. blk.3.ffn_down_exps.weight)";
      else if (!quantised) why = "matches only tensors that stay F32 (1-D tensors, norms, the router)";
      else why = "every tensor it matches takes the type of an earlier --tensor-type (the first match wins)";
    }
    warnings->push_back("--tensor-type '" + o.spec + "' sets no tensor's type: " + why);
  }
}

void check_types_writable(const GgufLayout& layout) {
  for (const auto& t : layout.tensors) {
    if (!is_block_quant(t.type)) continue;
    const std::string tn(dtype_name(t.type));
    if (quantize_needs_imatrix(t.type))
      throw Error("tensor " + t.name + ": type " + tn +
                  " needs an importance matrix (llama-imatrix data), which dseek quantize does not take; "
                  "pick another --type or give this tensor another type with --tensor-type");
    if (!can_quantize(t.type))
      throw Error("tensor " + t.name + ": dseek cannot write type " + tn + "; give this tensor another type with --tensor-type");
  }
}

}  // namespace dseek
