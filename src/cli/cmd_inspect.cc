// `dseek inspect`: config, tensor inventory, parameter counts and the memory plan.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/inspect_chat.h"
#include "cli/inspect_gguf.h"
#include "cli/inspect_scan.h"
#include "cli/inspect_v4.h"
#include "cli/io_util.h"
#include "engine/causal_lm.h"
#include "model/model.h"

namespace dseek::cli {

namespace {
}  // namespace

int cmd_inspect(const InspectArgs& a) {
  if (a.scan) return inspect_scan(a);  // NaN / Inf in the stored weights, any checkpoint
  if (is_v4_checkpoint(a.model_dir)) return inspect_v4(a);  // DeepSeek-V4: its own report
  auto ck_opened = Checkpoint::open(a.model_dir);
  if (ck_opened->is_gguf()) {
    size_t n = 0;
    for (const auto& g : ck_opened->gguf_files()) n += g->tensors().size();
    if (n == 0) return inspect_gguf_without_tensors(*ck_opened, a.json);  // a vocab-only GGUF
  }
  auto model = Model::from_checkpoint(std::move(ck_opened), Numerics::Exact);  // validates every tensor
  const ModelConfig& c = model->config();
  const Checkpoint& ck = model->checkpoint();
  std::map<std::string, std::pair<size_t, size_t>> by_dtype;  // dtype -> (tensors, bytes)
  for (const auto& [name, t] : ck.tensors()) {
    auto& e = by_dtype[std::string(dtype_name(t->dtype))];
    e.first += 1;
    e.second += t->nbytes;
  }
  const ModelWeights& w = model->weights();
  // Active parameters a token: everything except the routed experts not chosen.
  size_t routed = 0;
  for (const auto& L : w.layers)
    for (const auto& e : L.experts) routed += e.gate_proj.rows * e.gate_proj.cols * 3;
  const double active = double(w.n_params) - routed +
                        (c.n_routed_experts ? double(routed) * c.num_experts_per_tok / c.n_routed_experts : 0);
  // KV cache a token, as the paged pool stores it: F32 rows in exact numerics, BF16 in
  // official (lossless for its fp8-rounded values). Latent + k_pe, and the indexer key.
  const size_t esz = a.numerics == "official" ? 2 : 4;
  const size_t latent_tok = size_t(c.num_hidden_layers) * (c.kv_lora_rank + c.qk_rope_head_dim) * esz;
  const size_t index_tok = size_t(c.num_hidden_layers) * (c.has_indexer ? c.index_head_dim : 0) * esz;
  const size_t kv_tok = latent_tok + index_tok;
  const size_t kv_tok_packed = size_t(c.num_hidden_layers) * ((c.kv_lora_rank + c.qk_rope_head_dim) * 2 + (c.has_indexer ? c.index_head_dim + 4 : 0));
  // Scratch of one decode step at the longest context: logits, the indexer's per-head scores,
  // the gathered latents of the top-k (or all) positions.
  const double max_ctx = c.max_position_embeddings;
  const size_t scratch = size_t(c.vocab_size) * 4 + size_t(c.index_n_heads * max_ctx * 4) +
                         size_t((c.has_indexer ? std::min<double>(c.index_topk, max_ctx) : max_ctx) * c.kv_lora_rank * 4 * 2);
  // Budget: --kv-budget, else the memory available now minus the weights not yet resident.
  int64_t budget = a.kv_budget.empty() ? 0 : parse_bytes(a.kv_budget, "--kv-budget");
  if (budget == 0) {
    long pages = sysconf(_SC_AVPHYS_PAGES), psz = sysconf(_SC_PAGE_SIZE);
    budget = std::max<int64_t>(0, int64_t(pages) * psz - int64_t(ck.total_bytes()) - int64_t(scratch));
  }
  const int64_t max_tokens_fit = kv_tok ? budget / int64_t(kv_tok) : 0;

  nlohmann::ordered_json j;
  j["dir"] = ck.dir();
  j["model_type"] = c.model_type;
  j["config"] = inspect_config_json(c);
  j["tensors"] = ck.tensors().size();
  j["shards"] = ck.is_gguf() ? ck.gguf_files().size() : ck.files().size();
  for (const auto& [dt, e] : by_dtype) j["dtypes"][dt] = {{"tensors", e.first}, {"bytes", e.second}};
  j["params"] = {{"total", w.n_params + w.n_params_mtp}, {"main", w.n_params}, {"mtp", w.n_params_mtp},
                 {"active_per_token", static_cast<size_t>(active)}};
  j["memory"] = {{"weights_mmap_bytes", ck.total_bytes()},
                 {"kv_cache_bytes_per_token", kv_tok},
                 {"latent_cache_bytes_per_token", latent_tok},
                 {"indexer_cache_bytes_per_token", index_tok},
                 {"kv_cache_bytes_per_token_packed", kv_tok_packed},
                 {"kv_cache_bytes_per_1k_tokens", kv_tok * 1024},
                 {"scratch_bytes", scratch},
                 {"kv_budget_bytes", budget},
                 {"max_context_tokens_in_budget", max_tokens_fit}};
  if (ck.is_gguf()) j["gguf"] = gguf_plan(ck);
  j["chat_format"] = chat_format_json(ck.dir(), c.model_type, ck.is_gguf() ? ck.gguf_files().front().get() : nullptr);
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("%s  (%s)\n", ck.dir().c_str(), c.model_type.c_str());
  print_inspect_config(c);
  print_chat_format(j["chat_format"]);
  std::printf("tensors: %zu in %zu shard(s), all present with the dtypes and shapes the config implies\n",
              ck.tensors().size(), ck.is_gguf() ? ck.gguf_files().size() : ck.files().size());
  for (const auto& [dt, e] : by_dtype) std::printf("  %-8s %6zu tensors %12s\n", dt.c_str(), e.first, human_bytes(e.second).c_str());
  std::printf("parameters: %.3f M total (main %.3f M, MTP %.3f M), %.3f M active a token\n",
              (w.n_params + w.n_params_mtp) / 1e6, w.n_params / 1e6, w.n_params_mtp / 1e6, active / 1e6);
  if (ck.is_gguf()) print_gguf_plan(j["gguf"]);
  std::printf("memory plan:\n  weights (mmap'd, shared page cache) %s\n", human_bytes(ck.total_bytes()).c_str());
  std::printf("  KV cache a token (%s numerics): latent + k_pe %s, indexer key %s; %s per 1K tokens\n",
              a.numerics.c_str(), human_bytes(latent_tok).c_str(), human_bytes(index_tok).c_str(), human_bytes(kv_tok * 1024.0).c_str());
  std::printf("    (%s a token in DeepSeek's packed bf16 latent + fp8 indexer layout)\n", human_bytes(kv_tok_packed).c_str());
  std::printf("  scratch (logits, indexer scores, gathered latents at %d tokens) about %s\n", c.max_position_embeddings,
              human_bytes(scratch).c_str());
  std::printf("  KV budget %s%s -> up to %lld tokens of context in total (model maximum %d a sequence)\n",
              human_bytes(double(budget)).c_str(), a.kv_budget.empty() ? " (memory available now, less weights)" : "",
              static_cast<long long>(max_tokens_fit), c.max_position_embeddings);
  return 0;
}

}  // namespace dseek::cli
