#include "cli/inspect_v4.h"

#include "cli/inspect_chat.h"
#include "cli/io_util.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model_v4/model_v4.h"
#include "model_v4/plan_v4.h"

namespace dseek::cli {

namespace {


std::string count(double n) {  // 1.234 B / 12.345 M / 123 K parameters
  char buf[32];
  if (n >= 1e9) std::snprintf(buf, sizeof buf, "%.3f B", n / 1e9);
  else if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.3f M", n / 1e6);
  else if (n >= 1e3) std::snprintf(buf, sizeof buf, "%.3f K", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

const char* kind_name(AttnKindV4 k) {
  return k == AttnKindV4::kWindow ? "window" : k == AttnKindV4::kCsa ? "CSA" : "HCA";
}

// "0-2" / "0, 1" style list of layer ids.
std::string ranges(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!s.empty()) s += ", ";
    s += std::to_string(v[i]);
    if (j > i) {
      s += '-';
      s += std::to_string(v[j]);
    }
    i = j + 1;
  }
  return s.empty() ? "none" : s;
}

}  // namespace

int inspect_v4(const InspectArgs& a) {
  auto model = ModelV4::load(a.model_dir);  // validates every tensor the config implies
  const ConfigV4& c = model->config();
  const Checkpoint& ck = model->checkpoint();

  std::vector<TensorSpecV4> tensors;
  std::map<std::string, std::pair<size_t, size_t>> by_dtype;  // dtype -> (tensors, bytes)
  for (const auto& [name, t] : ck.tensors()) {
    tensors.push_back({name, t->dtype, t->shape, -1});
    auto& e = by_dtype[std::string(dtype_name(t->dtype))];
    e.first += 1;
    e.second += t->nbytes;
  }
  const WeightPlanV4 wp = weight_plan_v4(c, tensors);
  const StatePlanV4 sp = state_plan_v4(c);

  // Layers by kind (trunk), MTP blocks apart; hash-routed layers.
  std::map<std::string, std::vector<int>> kinds, mtp_kinds;
  std::vector<int> hash;
  for (int L = 0; L < c.num_layers_total(); ++L) {
    const std::string k = kind_name(c.attn_kind(L));
    (L < c.num_hidden_layers ? kinds : mtp_kinds)[k].push_back(L);
    if (c.is_hash_layer(L)) hash.push_back(L);
  }
  auto ratio_of = [&](const std::string& k) {
    for (int L = 0; L < c.num_layers_total(); ++L)
      if (kind_name(c.attn_kind(L)) == k) return c.compress_ratio(L);
    return 0;
  };

  const int64_t kMillion = int64_t(1) << 20;  // "1M context" = 1,048,576 tokens
  const int64_t ctx_max = c.max_position_embeddings > 0 ? c.max_position_embeddings : kMillion;
  struct Numerics {
    const char* name;
    int elem;
  };
  const Numerics numerics[] = {{"exact", 4}, {"official", 2}};

  nlohmann::ordered_json j;
  j["dir"] = ck.dir();
  j["model_type"] = c.model_type;
  j["config"] = {{"hidden_size", c.hidden_size}, {"num_hidden_layers", c.num_hidden_layers},
                 {"num_nextn_predict_layers", c.num_nextn_predict_layers},
                 {"num_attention_heads", c.num_attention_heads}, {"head_dim", c.head_dim},
                 {"qk_rope_head_dim", c.qk_rope_head_dim}, {"q_lora_rank", c.q_lora_rank},
                 {"o_groups", c.o_groups}, {"o_lora_rank", c.o_lora_rank}, {"sliding_window", c.sliding_window},
                 {"index_n_heads", c.index_n_heads}, {"index_head_dim", c.index_head_dim},
                 {"index_topk", c.index_topk}, {"n_routed_experts", c.n_routed_experts},
                 {"num_experts_per_tok", c.num_experts_per_tok}, {"moe_intermediate_size", c.moe_intermediate_size},
                 {"num_hash_layers", c.num_hash_layers}, {"hc_mult", c.hc_mult}, {"vocab_size", c.vocab_size},
                 {"max_position_embeddings", c.max_position_embeddings}, {"expert_dtype", c.expert_dtype},
                 {"compress_ratios", c.compress_ratios}};
  j["layers"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : kinds) j["layers"][k] = {{"count", v.size()}, {"ratio", ratio_of(k)}, {"layers", v}};
  for (const auto& [k, v] : mtp_kinds) j["layers"]["mtp " + k] = {{"count", v.size()}, {"ratio", ratio_of(k)}, {"layers", v}};
  j["hash_layers"] = hash;
  j["tensors"] = ck.tensors().size();
  j["shards"] = ck.files().size();
  for (const auto& [dt, e] : by_dtype) j["dtypes"][dt] = {{"tensors", e.first}, {"bytes", e.second}};
  j["params"] = {{"total", wp.params}, {"main", wp.params - wp.of(WeightClassV4::kMtp).params},
                 {"mtp", wp.of(WeightClassV4::kMtp).params}, {"active_per_token", int64_t(wp.active_params)},
                 {"bound", model->weights().n_params}};
  for (int k = 0; k < kWeightClassesV4; ++k) {
    const WeightClassPlanV4& e = wp.classes[k];
    if (!e.tensors) continue;
    nlohmann::ordered_json o = {{"tensors", e.tensors}, {"params", e.params}, {"bytes", e.bytes},
                                {"active_params", int64_t(e.active_params)}, {"active_bytes", int64_t(e.active_bytes)}};
    for (const auto& [dt, b] : e.bytes_by_dtype) o["dtypes"][dt] = b;
    j["classes"][weight_class_name(static_cast<WeightClassV4>(k))] = o;
  }
  j["active_bytes_per_token"] = int64_t(wp.active_bytes);
  j["mtp_bytes"] = wp.of(WeightClassV4::kMtp).bytes;
  nlohmann::ordered_json st;
  for (const auto& l : sp.layers) {
    const std::string k = std::string(l.mtp ? "mtp " : "") + kind_name(l.kind);
    if (st["layers"].contains(k)) {
      st["layers"][k]["count"] = st["layers"][k]["count"].get<int>() + 1;
      continue;
    }
    st["layers"][k] = {{"count", 1}, {"ratio", l.ratio}, {"window_values", l.window_values}, {"entry_values", l.entry_values},
                       {"index_key_values", l.index_key_values}, {"carry_values", l.carry_values},
                       {"values_per_token", l.values_per_token()}};
  }
  for (const auto& n : numerics)
    st[n.name] = {{"element_bytes", n.elem},
                  {"fixed_bytes", sp.fixed_bytes(n.elem)},
                  {"bytes_per_token", sp.bytes_per_token(n.elem)},
                  {"bytes_at_1m", sp.bytes_at(kMillion, n.elem)},
                  {"bytes_at_max_position", sp.bytes_at(ctx_max, n.elem)}};
  j["state"] = st;
  j["memory"] = {{"weights_mmap_bytes", ck.total_bytes()}};
  j["chat_format"] = chat_format_json(a.model_dir, c.model_type);
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }

  std::printf("%s  (%s)\n", ck.dir().c_str(), c.model_type.c_str());
  std::printf("config: hidden %d, %d layers + %d MTP, %d heads x %d (rope %d), q_lora %d, wo_a %d groups x %d,\n"
              "  window %d, indexer %d x %d top-%d, %d routed experts (%d a token, inter %d, %s) + 1 shared,\n"
              "  hc_mult %d, vocab %d, max positions %d\n",
              c.hidden_size, c.num_hidden_layers, c.num_nextn_predict_layers, c.num_attention_heads, c.head_dim,
              c.qk_rope_head_dim, c.q_lora_rank, c.o_groups, c.o_lora_rank, c.sliding_window, c.index_n_heads,
              c.index_head_dim, c.index_topk, c.n_routed_experts, c.num_experts_per_tok, c.moe_intermediate_size,
              c.expert_dtype.c_str(), c.hc_mult, c.vocab_size, c.max_position_embeddings);
  std::string line;
  for (const auto& [k, v] : kinds) {
    if (!line.empty()) line += ", ";
    line += std::to_string(v.size()) + " " + k + (k == "window" ? "" : " (ratio " + std::to_string(ratio_of(k)) + ")");
  }
  for (const auto& [k, v] : mtp_kinds) line += "; MTP: " + std::to_string(v.size()) + " " + k;
  std::printf("layers: %s\n", line.c_str());
  print_chat_format(j["chat_format"]);
  for (const auto& [k, v] : kinds)
    if (k != "window") std::printf("  %s: layers %s\n", k.c_str(), ranges(v).c_str());
  std::printf("hash-routed layers (tid2eid): %zu (%s); the others score-routed (sqrtsoftplus)\n", hash.size(),
              ranges(hash).c_str());
  std::printf("tensors: %zu in %zu shard(s), all present with the dtypes and shapes the config implies\n",
              ck.tensors().size(), ck.files().size());
  for (const auto& [dt, e] : by_dtype) std::printf("  %-8s %6zu tensors %12s\n", dt.c_str(), e.first, human_bytes(e.second).c_str());
  std::printf("parameters: %s total (main %s, MTP %s), %s active a token\n", count(double(wp.params)).c_str(),
              count(double(wp.params - wp.of(WeightClassV4::kMtp).params)).c_str(),
              count(double(wp.of(WeightClassV4::kMtp).params)).c_str(), count(wp.active_params).c_str());
  std::printf("  %-19s %12s %12s %14s  %s\n", "class", "params", "bytes", "a token reads", "types");
  for (int k = 0; k < kWeightClassesV4; ++k) {
    const WeightClassPlanV4& e = wp.classes[k];
    if (!e.tensors) continue;
    std::string types;
    for (const auto& [dt, b] : e.bytes_by_dtype) types += (types.empty() ? "" : " + ") + dt;
    std::printf("  %-19s %12s %12s %14s  %s\n", weight_class_name(static_cast<WeightClassV4>(k)),
                count(double(e.params)).c_str(), human_bytes(double(e.bytes)).c_str(), human_bytes(e.active_bytes).c_str(),
                types.c_str());
  }
  std::printf("  %-19s %12s %12s %14s\n", "total", count(double(wp.params)).c_str(), human_bytes(double(wp.bytes)).c_str(),
              human_bytes(wp.active_bytes).c_str());
  std::printf("  a decoded token reads %s of weights: attention, compressors + indexer, router, shared expert,\n"
              "    %d of %d routed experts a layer, hc, norms, head and one embedding row (the MTP draft: %s more)\n",
              human_bytes(wp.active_bytes).c_str(), c.num_experts_per_tok, c.n_routed_experts,
              human_bytes(double(wp.of(WeightClassV4::kMtp).bytes)).c_str());
  std::printf("memory plan:\n  weights (mmap'd, shared page cache) %s\n", human_bytes(double(ck.total_bytes())).c_str());
  std::printf("  state a sequence, per layer (values; a compressed entry holds ratio tokens):\n");
  for (const auto& [k, v] : st["layers"].items()) {
    const int r = v["ratio"];
    const int64_t idx = v["index_key_values"];
    std::printf("    %-10s x%-3d window ring %d x %d", k.c_str(), v["count"].get<int>(), c.sliding_window, c.head_dim);
    if (r > 0) std::printf(", entries %d / %d tokens", c.head_dim, r);
    if (idx > 0) std::printf(", indexer keys %lld / %d tokens", static_cast<long long>(idx), r);
    if (r > 0) std::printf(", compressor carry %s (fp32)", human_bytes(4.0 * v["carry_values"].get<double>()).c_str());
    std::printf("\n");
  }
  for (const auto& n : numerics) {
    std::printf("  %s numerics (%s caches): fixed %s (window rings + carries), %s a token; at 1M (%lld) tokens %s",
                n.name, n.elem == 4 ? "fp32" : "bf16", human_bytes(double(sp.fixed_bytes(n.elem))).c_str(),
                human_bytes(sp.bytes_per_token(n.elem)).c_str(), static_cast<long long>(kMillion),
                human_bytes(double(sp.bytes_at(kMillion, n.elem))).c_str());
    if (ctx_max != kMillion)
      std::printf(", at %lld (max positions) %s", static_cast<long long>(ctx_max),
                  human_bytes(double(sp.bytes_at(ctx_max, n.elem))).c_str());
    std::printf("\n");
  }
  return 0;
}

}  // namespace dseek::cli
