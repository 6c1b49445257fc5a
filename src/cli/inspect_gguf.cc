#include "cli/inspect_gguf.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli/inspect_chat.h"

namespace dseek::cli {

namespace {
std::string size_str(double b) {
  const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  for (; b >= 1024 && i < 4; ++i) b /= 1024;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", b, u[i]);
  return buf;
}
std::string chat_template_note(const GgufFile& f) {
  return f.find_kv("tokenizer.chat_template")
             ? "present, not executed: it picks which of dseek's own encoders formats prompts (chat format below)"
             : "absent: dseek formats prompts with its own encoder (chat format below)";
}
}  // namespace

std::string gguf_tensor_class(const std::string& n, int num_hidden_layers) {
  auto has = [&](const char* s) { return n.find(s) != std::string::npos; };
  if (n.rfind("blk.", 0) == 0 && std::stoi(n.substr(4)) >= num_hidden_layers) return "mtp";
  if (n.rfind("token_embd", 0) == 0) return "embedding";
  if (n.rfind("output.", 0) == 0) return "output";
  if (has("_norm") || has("ffn_gate_inp") || has("exp_probs_b")) return "norms+router";
  if (has("indexer.")) return "indexer";
  if (has("_exps")) return "routed experts";
  if (has("_shexp")) return "shared experts";
  if (has(".attn_")) return "attention";
  if (has(".ffn_")) return "dense ffn";
  return "other";
}

nlohmann::ordered_json gguf_plan(const Checkpoint& ck) {
  const ModelConfig& c = ck.config();
  nlohmann::ordered_json classes = nlohmann::ordered_json::object();
  double total = 0, params = 0, active = 0;
  for (const auto& f : ck.gguf_files())
    for (const std::string& name : f->tensor_order()) {
      const TensorView& t = *f->find(name);
      const std::string cls = gguf_tensor_class(name, c.num_hidden_layers);
      auto& e = classes[cls][std::string(dtype_name(t.dtype))];
      if (e.is_null()) e = {{"tensors", 0}, {"params", int64_t(0)}, {"bytes", int64_t(0)}};
      e["tensors"] = e["tensors"].get<int>() + 1;
      e["params"] = e["params"].get<int64_t>() + t.numel();
      e["bytes"] = e["bytes"].get<int64_t>() + int64_t(t.nbytes);
      total += double(t.nbytes);
      params += double(t.numel());
      if (cls == "routed experts")
        active += double(t.nbytes) * c.num_experts_per_tok / std::max(1, c.n_routed_experts);
      else if (cls == "embedding")
        active += double(t.nbytes) / double(std::max<int64_t>(1, t.shape.front()));
      else if (cls != "mtp")
        active += double(t.nbytes);
    }
  nlohmann::ordered_json j;
  j["format"] = "gguf";
  j["parts"] = ck.gguf_files().size();
  j["architecture"] = ck.gguf_files().front()->get_string("general.architecture", "");
  j["classes"] = classes;
  j["total_bytes"] = total;
  j["bits_per_weight"] = params > 0 ? 8.0 * total / params : 0.0;
  j["active_bytes_per_token"] = active;
  j["chat_template"] = chat_template_note(*ck.gguf_files().front());
  j["unmapped_tensors"] = ck.unmapped_gguf_tensors();
  j["tokenizer"] = gguf_tokenizer_summary(*ck.gguf_files().front());
  return j;
}

void print_gguf_plan(const nlohmann::ordered_json& p) {
  std::printf("GGUF: %s, %zu part(s); %s in tensors, %.2f bits a weight\n", p["architecture"].get<std::string>().c_str(),
              p["parts"].get<size_t>(), size_str(p["total_bytes"].get<double>()).c_str(), p["bits_per_weight"].get<double>());
  std::printf("  %-16s %-8s %7s %14s %12s %8s\n", "class", "type", "tensors", "params", "size", "bits/w");
  for (const auto& [cls, types] : p["classes"].items())
    for (const auto& [type, e] : types.items()) {
      const double bytes = e["bytes"].get<double>(), n = e["params"].get<double>();
      std::printf("  %-16s %-8s %7d %14.0f %12s %8.3f\n", cls.c_str(), type.c_str(), e["tensors"].get<int>(), n,
                  size_str(bytes).c_str(), n > 0 ? 8.0 * bytes / n : 0.0);
    }
  std::printf("  a decoded token reads %s of weights (all but the routed experts and the MTP block, k/E of the\n"
              "  routed experts, one embedding row)\n",
              size_str(p["active_bytes_per_token"].get<double>()).c_str());
  if (p.contains("tokenizer")) std::printf("%s\n", gguf_tokenizer_line(p["tokenizer"]).c_str());
  std::printf("chat template: %s\n", p["chat_template"].get<std::string>().c_str());
  if (!p["unmapped_tensors"].empty())
    std::printf("ignored GGUF tensors (no DeepSeek-V3.2 meaning): %zu\n", p["unmapped_tensors"].size());
}

nlohmann::ordered_json gguf_tokenizer_summary(const GgufFile& f) {
  if (!f.find_kv("tokenizer.ggml.tokens")) return nullptr;
  nlohmann::ordered_json j;
  j["model"] = f.get_string("tokenizer.ggml.model", "");
  j["pre"] = f.get_string("tokenizer.ggml.pre", "");
  j["tokens"] = f.get_string_array("tokenizer.ggml.tokens").size();
  // llama.cpp's llama_token_type.
  static const char* const kTypes[] = {"undefined", "normal", "unknown", "control", "user_defined", "unused", "byte"};
  nlohmann::ordered_json types = nlohmann::ordered_json::object();
  if (f.find_kv("tokenizer.ggml.token_type")) {
    std::map<int64_t, int64_t> n;
    for (int64_t t : f.get_int_array("tokenizer.ggml.token_type")) ++n[t];
    for (const auto& [t, count] : n)
      types[t >= 0 && t < 7 ? kTypes[t] : "type " + std::to_string(t)] = count;
  }
  j["token_types"] = types;
  j["merges"] = f.find_kv("tokenizer.ggml.merges") ? f.get_string_array("tokenizer.ggml.merges").size() : 0;
  auto id = [&](const char* key) -> nlohmann::ordered_json {
    if (!f.find_kv(key)) return nullptr;
    return f.get_int(key);
  };
  j["bos_token_id"] = id("tokenizer.ggml.bos_token_id");
  j["eos_token_id"] = id("tokenizer.ggml.eos_token_id");
  j["padding_token_id"] = id("tokenizer.ggml.padding_token_id");
  j["add_bos_token"] = f.get_bool("tokenizer.ggml.add_bos_token", false);
  j["add_eos_token"] = f.get_bool("tokenizer.ggml.add_eos_token", false);
  return j;
}

std::string gguf_tokenizer_line(const nlohmann::ordered_json& t) {
  if (t.is_null()) return "tokenizer: none in the GGUF (tokenizer.ggml.tokens absent; a tokenizer.json beside it is used)";
  std::string types;
  for (const auto& [name, count] : t["token_types"].items()) {
    std::string n = name;
    std::replace(n.begin(), n.end(), '_', '-');
    types += (types.empty() ? "" : ", ") + std::to_string(count.get<int64_t>()) + " " + n;
  }
  auto id = [&](const char* key) { return t[key].is_null() ? std::string("none") : std::to_string(t[key].get<int64_t>()); };
  std::string s = "tokenizer: " + t["model"].get<std::string>() + " (pre " + t["pre"].get<std::string>() + "), " +
                  std::to_string(t["tokens"].get<size_t>()) + " tokens" + (types.empty() ? "" : " (" + types + ")") + ", " +
                  std::to_string(t["merges"].get<size_t>()) + " merges; BOS " + id("bos_token_id") + ", EOS " +
                  id("eos_token_id") + ", pad " + id("padding_token_id") + "; adds BOS " +
                  (t["add_bos_token"].get<bool>() ? "yes" : "no") + ", EOS " + (t["add_eos_token"].get<bool>() ? "yes" : "no");
  return s;
}

nlohmann::ordered_json inspect_config_json(const ModelConfig& c) {
  return {{"hidden_size", c.hidden_size}, {"num_hidden_layers", c.num_hidden_layers},
          {"num_attention_heads", c.num_attention_heads}, {"q_lora_rank", c.q_lora_rank},
          {"kv_lora_rank", c.kv_lora_rank}, {"qk_nope_head_dim", c.qk_nope_head_dim},
          {"qk_rope_head_dim", c.qk_rope_head_dim}, {"v_head_dim", c.v_head_dim},
          {"n_routed_experts", c.n_routed_experts}, {"num_experts_per_tok", c.num_experts_per_tok},
          {"n_shared_experts", c.n_shared_experts}, {"first_k_dense_replace", c.first_k_dense_replace},
          {"index_n_heads", c.index_n_heads}, {"index_head_dim", c.index_head_dim},
          {"index_topk", c.index_topk}, {"num_nextn_predict_layers", c.num_nextn_predict_layers},
          {"vocab_size", c.vocab_size}, {"max_position_embeddings", c.max_position_embeddings},
          {"rope_yarn_factor", c.rope_factor}, {"scale_fmt", c.scale_fmt}};
}

void print_inspect_config(const ModelConfig& c) {
  std::printf("  hidden %d, layers %d (%d dense), heads %d, q_lora %d, kv_lora %d, vocab %d\n", c.hidden_size,
              c.num_hidden_layers, std::min(c.first_k_dense_replace, c.num_hidden_layers), c.num_attention_heads,
              c.q_lora_rank, c.kv_lora_rank, c.vocab_size);
  if (c.n_routed_experts)
    std::printf("  MoE: %d routed experts (%d a token, %d groups / keep %d), %d shared, scale %.2f\n", c.n_routed_experts,
                c.num_experts_per_tok, c.n_group, c.topk_group, c.n_shared_experts, c.routed_scaling_factor);
  if (c.has_indexer)
    std::printf("  DSA indexer: %d heads x %d, top-k %d\n", c.index_n_heads, c.index_head_dim, c.index_topk);
  std::printf("  MTP layers: %d; context %d (YaRN factor %.0f)\n", c.num_nextn_predict_layers, c.max_position_embeddings,
              c.rope_factor);
}

int inspect_gguf_without_tensors(const Checkpoint& ck, bool json) {
  const ModelConfig& c = ck.config();
  const GgufFile& head = *ck.gguf_files().front();
  nlohmann::ordered_json j;
  j["dir"] = ck.dir();
  j["model_type"] = c.model_type;
  j["config"] = inspect_config_json(c);
  j["tensors"] = 0;
  j["vocab_only"] = true;
  j["shards"] = ck.gguf_files().size();
  j["gguf"] = {{"format", "gguf"},
               {"parts", ck.gguf_files().size()},
               {"architecture", head.get_string("general.architecture", "")},
               {"name", head.get_string("general.name", "")},
               {"tokenizer", gguf_tokenizer_summary(head)},
               {"chat_template", chat_template_note(head)}};
  j["chat_format"] = chat_format_json(ck.dir(), c.model_type, &head);
  if (json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  const std::string name = j["gguf"]["name"].get<std::string>();
  const std::string label = j["gguf"]["architecture"].get<std::string>() + (name.empty() ? "" : " '" + name + "'");
  std::printf("%s  (%s; GGUF %s, no tensors)\n", ck.dir().c_str(), c.model_type.c_str(), label.c_str());
  std::printf("config from the metadata:\n");
  print_inspect_config(c);
  std::printf("%s\n", gguf_tokenizer_line(j["gguf"]["tokenizer"]).c_str());
  std::printf("chat template: %s\n", j["gguf"]["chat_template"].get<std::string>().c_str());
  print_chat_format(j["chat_format"]);
  std::printf("tensors: none (a vocab-only GGUF): `dseek tokenize -m` uses its tokenizer; running the model needs a "
              "GGUF with the weights\n");
  return 0;
}

}  // namespace dseek::cli
