#include "cli/inspect_gguf.h"

#include <cstdio>
#include <map>

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
  j["chat_template"] = ck.gguf_files().front()->find_kv("tokenizer.chat_template")
                           ? "present, not executed: dseek formats prompts with its own DeepSeek-V3.2 encoder"
                           : "absent: dseek formats prompts with its own DeepSeek-V3.2 encoder";
  j["unmapped_tensors"] = ck.unmapped_gguf_tensors();
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
  std::printf("chat template: %s\n", p["chat_template"].get<std::string>().c_str());
  if (!p["unmapped_tensors"].empty())
    std::printf("ignored GGUF tensors (no DeepSeek-V3.2 meaning): %zu\n", p["unmapped_tensors"].size());
}

}  // namespace dseek::cli
