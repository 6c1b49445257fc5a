// `dseek bench --synthetic v4-flash-layer` (DeepSeek-V4-Flash's real layer shapes: one CSA and one
// HCA layer, FP8 attention, FP4 experts) and `dseek bench -m V4_DIR` (any V4 checkpoint, also a
// virtual full-size one): prefill and decode against this machine's read bandwidth and FMA peak,
// decode at any context (states filled synthetically).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/bench_util.h"
#include "cli/commands.h"
#include "model_v4/model_v4.h"
#include "model_v4/synthetic_v4.h"

namespace dseek::cli {

namespace {

std::vector<const Matrix*> always_read(const BlockWeightsV4& b) {
  const AttnWeightsV4& a = b.attn;
  return {&a.wq_a, &a.wq_b, &a.wkv, &a.wo_a, &a.wo_b, &a.compressor.wkv, &a.compressor.wgate, &a.idx_wq_b,
          &a.idx_weights_proj, &a.idx_compressor.wkv, &a.idx_compressor.wgate, &b.ffn.gate, &b.ffn.shared.w1,
          &b.ffn.shared.w2, &b.ffn.shared.w3, &b.hc_attn.fn, &b.hc_ffn.fn};
}

double expert_bytes(const BlockWeightsV4& b) {
  const ExpertWeightsV4& e = b.ffn.experts.at(0);
  return double(e.w1.bytes() + e.w2.bytes() + e.w3.bytes());
}

// Weight bytes a decode step of `batch` tokens reads: every non-expert matrix, the distinct
// routed experts the batch selects (expected number), the head and the embedding rows.
double weight_bytes(const ModelV4& m, int64_t batch) {
  const ConfigV4& c = m.config();
  double bytes = double(m.weights().head.bytes()) + double(batch) * 2.0 * c.hidden_size;
  for (const BlockWeightsV4& b : m.weights().layers) {
    for (const Matrix* x : always_read(b))
      if (x->data) bytes += double(x->bytes());
    const double E = c.n_routed_experts, k = c.num_experts_per_tok;
    bytes += E * (1.0 - std::pow(1.0 - k / E, double(batch))) * expert_bytes(b);
  }
  return bytes;
}

// State bytes one decode token at `context` reads (fp32): its window rows, and by layer kind
// the indexer keys of every visible entry + the selected entries (CSA) or every entry (HCA).
// fp4_keys: the indexer keys as FP4 records (official numerics: dim / 2 + dim / 32 bytes a key).
double state_bytes(const ConfigV4& c, int64_t context, bool fp4_keys) {
  const double key_bytes = fp4_keys ? c.index_head_dim / 2 + c.index_head_dim / 32 : c.index_head_dim * 4.0;
  double bytes = 0;
  const int64_t n = context + 1;
  for (int L = 0; L < c.num_hidden_layers; ++L) {
    const int r = c.compress_ratio(L);
    bytes += double(std::min<int64_t>(n, c.sliding_window)) * c.head_dim * 4.0;
    if (r == 0) continue;
    const int64_t entries = n / r;
    if (c.attn_kind(L) == AttnKindV4::kCsa)
      bytes += double(entries) * key_bytes + double(std::min<int64_t>(entries, c.index_topk)) * c.head_dim * 4.0;
    else
      bytes += double(entries) * c.head_dim * 4.0;
  }
  return bytes;
}

// FLOPs of one token at `context`: 2 x the active matrix parameters, attention (q.k and p.v
// over the keys a head sees), the indexer's q.k over the visible entries.
double token_flops(const ModelV4& m, int64_t context) {
  const ConfigV4& c = m.config();
  double params = double(m.weights().head.rows * m.weights().head.cols);
  double attn = 0;
  const int64_t n = context + 1;
  for (const BlockWeightsV4& b : m.weights().layers) {
    for (const Matrix* x : always_read(b))
      if (x->data) params += double(x->rows * x->cols);
    const ExpertWeightsV4& e = b.ffn.experts.at(0);
    params += double(c.num_experts_per_tok) * double(e.w1.rows * e.w1.cols + e.w2.rows * e.w2.cols + e.w3.rows * e.w3.cols);
    const int r = b.attn.ratio;
    int64_t keys = std::min<int64_t>(n, c.sliding_window);
    if (r > 0) {
      const int64_t entries = n / r;
      keys += b.attn.has_indexer ? std::min<int64_t>(entries, c.index_topk) : entries;
      if (b.attn.has_indexer) attn += 2.0 * c.index_n_heads * c.index_head_dim * double(entries);
    }
    attn += 4.0 * c.num_attention_heads * c.head_dim * double(keys);
  }
  return 2.0 * params + attn;
}

}  // namespace

int bench_v4(const BenchArgs& a) {
  if (a.repeat < 1) throw Error("--repeat must be >= 1");
  if (a.threads < 0) throw Error("--threads must be >= 0 (0: all cores)");
  if (a.mtp || a.dense_attention || a.kernels || a.weights != "fp8")
    throw Error("DeepSeek-V4: --mtp, --dense-attention, --kernels and --weights apply to the V3 models only "
                "(V4 runs as shipped: FP8 attention, FP4 experts)");
  const Numerics num = parse_numerics(a.numerics);
  if (num == Numerics::Int8) throw Error("DeepSeek-V4: --numerics exact or official (int8 is a GGUF K-quant mode)");
  std::vector<int64_t> batches = parse_list(a.batches, "batch"), contexts = parse_list(a.contexts, "context");
  for (int64_t b : batches)
    if (b < 1) throw Error("--batch sizes must be >= 1");
  if (a.phase != "decode" && a.prefill_tokens < 2) throw Error("--prefill-tokens must be >= 2");
  // The config first: every argument is checked before a model is built or anything measured.
  namespace fs = std::filesystem;
  const ConfigV4 lc = a.synthetic.empty() ? ConfigV4::from_file((fs::path(a.model_dir) / "config.json").string())
                                          : flash_layer_config(a.experts);
  for (int64_t ctx : contexts)
    if (a.phase != "prefill" && ctx + a.repeat + 3 > lc.max_position_embeddings)
      throw Error("--context " + std::to_string(ctx) + ": decode steps at that context need " +
                  std::to_string(ctx + a.repeat + 3) + " positions, the model has max_position_embeddings " +
                  std::to_string(lc.max_position_embeddings));
  if (a.phase != "decode" && a.prefill_tokens > lc.max_position_embeddings)
    throw Error("--prefill-tokens " + std::to_string(a.prefill_tokens) + " exceeds max_position_embeddings " +
                std::to_string(lc.max_position_embeddings));
  // A V4 checkpoint (-m; also a virtual one: the full-size step through mmap) or the synthetic layer.
  std::unique_ptr<ModelV4> model;
  std::string name = "v4-flash-layer";
  if (a.synthetic.empty()) {
    model = ModelV4::load(a.model_dir, num);
    name = a.model_dir;
    while (!name.empty() && name.back() == '/') name.pop_back();
    name = name.substr(name.find_last_of('/') + 1);
  } else {
    std::cerr << "building the synthetic v4-flash-layer model (" << a.experts << " experts) ...\n";
    model = ModelV4::from_checkpoint(synthetic_checkpoint_v4(lc, 42, "v4-flash-layer"), lc, num);
  }
  const ConfigV4& c = model->config();
  Machine m = measure_machine(a.threads);
  ojson out;
  out["machine"] = {{"mem_bw_gbs", m.bw}, {"fma_gflops", m.fma}, {"threads", m.threads}};
  out["model"] = {{"name", name}, {"weights_bytes", model->checkpoint().total_bytes()}, {"experts", c.n_routed_experts},
                  {"numerics", a.numerics}};
  ojson rows = ojson::array();
  if (a.phase != "decode") {
    const int64_t P = a.prefill_tokens;
    std::vector<int32_t> toks(P);
    for (int64_t i = 0; i < P; ++i) toks[i] = static_cast<int32_t>((i * 7919) % c.vocab_size);
    const double t = median_seconds(a.repeat, [&] {
      StateV4 st = model->new_state();
      model->forward(toks, st, false);
    });
    double flops = 0;
    for (int64_t i = 0; i < P; ++i) flops += token_flops(*model, i);
    rows.push_back(row(name, "prefill", P, 0, P / t, 0, flops, t, m));
    std::cerr << "prefill " << P << " tokens: " << t << " s\n";
  }
  if (a.phase != "prefill") {
    for (int64_t ctx : contexts)
      for (int64_t b : batches) {
        std::vector<StateV4> states;
        for (int64_t i = 0; i < b; ++i) {
          states.push_back(model->new_state());
          fill_state_random(c, states.back(), ctx, 1000 + i);
        }
        // Each repetition decodes other tokens one position further on (other experts).
        int64_t steps = 0;
        auto step = [&](int) {
          for (int64_t i = 0; i < b; ++i)
            model->forward({static_cast<int32_t>((17 + 31 * i + 7919 * steps) % c.vocab_size)}, states[i], false);
          ++steps;
        };
        if (a.repeat > 1) step(0);  // warm-up: page in the weights
        const StateV4& s0 = states.front();
        std::cerr << "context " << ctx << ": state " << s0.bytes() << " bytes";
        if (ctx > 0) std::cerr << " (" << double(s0.bytes()) / double(ctx) << " a token)";
        std::cerr << "\n";
        const double bytes = weight_bytes(*model, b) + double(b) * state_bytes(c, ctx, s0.fp4_index_keys);
        auto [t, pct] = median_paired(a.repeat, m, bytes, step);
        rows.push_back(row(name, "decode", b, ctx, b / t, bytes, double(b) * token_flops(*model, ctx), t, m, pct));
        std::cerr << "decode batch " << b << " context " << ctx << ": " << t << " s a step\n";
      }
  }
  return finish_bench(m, out, rows, a.json);
}

}  // namespace dseek::cli
