// `dseek bench`: prefill and decode speed of a checkpoint or of a synthetic layer with the real
// 671B shapes, as tokens/s and as a fraction of this machine's measured limits (read
// bandwidth for decode, FMA peak for prefill).
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/bench_spec.h"
#include "cli/bench_util.h"
#include "cli/commands.h"
#include "cli/parallel.h"
#include "engine/causal_lm.h"
#include "engine/speculative.h"
#include "kernels/gemm_hwy.h"
#include "kernels/linear.h"
#include "kernels/quant/int8_act.h"
#include "kernels/probe.h"
#include "model/model.h"
#include "model/synthetic.h"
#include "mpi/communicator.h"
#include "weights/dtype.h"
#include "runtime/error.h"
#include "runtime/threads.h"

namespace dseek::cli {

namespace {

// The matrices of a layer every token reads (all but the routed experts); unbound ones
// (absent in this layer) have no data. MTP layers add eh_proj and their head.
std::vector<const Matrix*> always_read(const LayerWeights& L) {
  return {&L.q_a_proj, &L.q_b_proj, &L.kv_a_proj_with_mqa, &L.kv_b_proj, &L.k_b_proj, &L.v_b_proj, &L.o_proj, &L.idx_wq_b, &L.idx_wk,
          &L.idx_weights_proj, &L.gate, &L.mlp.gate_proj, &L.mlp.up_proj, &L.mlp.down_proj, &L.shared_experts.gate_proj,
          &L.shared_experts.up_proj, &L.shared_experts.down_proj, &L.eh_proj, &L.shared_head_head};
}

// Weight bytes a decode step reads: every non-expert matrix of each layer, the routed experts
// the batch selects (k a token; for b tokens the expected number of distinct experts), the
// embedding rows and the head.
double decode_weight_bytes(const Model& m, int64_t batch) {
  const ModelConfig& c = m.config();
  const ModelWeights& w = m.weights();
  double bytes = double(w.lm_head.bytes()) + double(batch) * double(dtype_row_bytes(w.embed_tokens.dtype, w.embed_tokens.cols));
  for (const LayerWeights& L : w.layers) {
    for (const Matrix* x : always_read(L))
      if (x->data) bytes += double(x->bytes());
    if (L.moe && !L.experts.empty()) {
      const double E = c.n_routed_experts, k = c.num_experts_per_tok;
      const double distinct = E * (1.0 - std::pow(1.0 - k / E, double(batch)));
      const MlpWeights& e = L.experts[0];
      bytes += distinct * double(e.gate_proj.bytes() + e.up_proj.bytes() + e.down_proj.bytes());
    }
  }
  return bytes;
}

// The MTP layer's weights read by one draft step (its block, eh_proj, norms, head).
double decode_weight_bytes_mtp(const Model& m, int64_t batch) {
  const ModelConfig& c = m.config();
  double bytes = 0;
  for (const LayerWeights& L : m.weights().mtp) {
    for (const Matrix* x : always_read(L))
      if (x->data) bytes += double(x->bytes());
    if (L.moe && !L.experts.empty()) {
      const double E = c.n_routed_experts, k = c.num_experts_per_tok;
      const MlpWeights& e = L.experts[0];
      bytes += E * (1.0 - std::pow(1.0 - k / E, double(batch))) * double(e.gate_proj.bytes() + e.up_proj.bytes() + e.down_proj.bytes());
    }
  }
  return bytes;
}

// Cache bytes one decode token reads per layer at `context`: the indexer keys of every
// position, and the latent + k_pe rows it attends to (top-k, or all with dense attention).
double decode_cache_bytes(const ModelConfig& c, int64_t context, bool dense) {
  const int64_t n = context + 1;
  const int64_t attended = (!c.has_indexer || dense) ? n : std::min<int64_t>(n, c.index_topk);
  double per_layer = double(attended) * (c.kv_lora_rank + c.qk_rope_head_dim) * 4.0;
  if (c.has_indexer) per_layer += double(n) * c.index_head_dim * 4.0;
  return per_layer * c.num_hidden_layers;
}

// FLOPs of one token through the layers: 2 x the active matrix parameters (router, k routed
// experts, shared) plus attention over `context` positions (q.k and p.v over qk/v dims). The
// head is added by the caller: once a prefill (only the last row's logits are computed),
// once a decoded token.
double prefill_flops_per_token(const Model& m, double context) {
  const ModelConfig& c = m.config();
  const ModelWeights& w = m.weights();
  double params = 0;
  for (const LayerWeights& L : w.layers) {
    for (const Matrix* x : always_read(L))
      if (x->data) params += double(x->rows * x->cols);
    if (L.moe && !L.experts.empty())
      params += double(c.num_experts_per_tok) * 3.0 * L.experts[0].gate_proj.rows * L.experts[0].gate_proj.cols;
  }
  const double attn = 2.0 * c.num_attention_heads * context * (c.qk_head_dim() + c.v_head_dim) +
                      (c.has_indexer ? 2.0 * c.index_n_heads * c.index_head_dim * context : 0.0);
  return 2.0 * params + attn * c.num_hidden_layers;
}

void kernel_rows(Machine& m, int repeat, ojson& rows) {
  // Matrix-vector products over 1 GiB of weights of each type (far beyond the caches):
  // bandwidth-bound. time_per_byte_vs_bf16: this type's seconds a byte over BF16's.
  double bf16_spb = 0;
  for (DType t : {DType::BF16, DType::F8_E4M3, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::Q2_K, DType::IQ2_XXS,
                  DType::F4_E2M1}) {
    const int64_t K = 7168, R = (int64_t(1) << 30) / int64_t(dtype_row_bytes(t, K));
    std::vector<uint8_t> w(R * dtype_row_bytes(t, K)), e8m0;
    std::vector<float> s;
    if (t == DType::F4_E2M1) {  // V4's experts: e2m1 codes, an E8M0 scale per 32 columns
      e8m0.assign(R * K / Matrix::kFp4Group, 120);
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < int64_t(w.size()); ++i) w[i] = static_cast<uint8_t>((i * 2654435761u) >> 11);
    } else if (t == DType::F8_E4M3) {
      s.assign(((R + 127) / 128) * ((K + 127) / 128), 1.0f / 256);
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < int64_t(w.size()); ++i) w[i] = static_cast<uint8_t>((i * 2654435761u) >> 13) & 0x77;
    } else if (t == DType::BF16) {
      uint16_t* b = reinterpret_cast<uint16_t*>(w.data());
#pragma omp parallel for schedule(static)
      for (int64_t i = 0; i < R * K; ++i) b[i] = static_cast<uint16_t>(0x3c00 | (((i * 2654435761u) >> 13) & 0xff));
    } else {
      random_quant_blocks(t, w.data(), int64_t(w.size() / dtype_block_bytes(t)), 7);
    }
    Matrix W{t, R, K, w.data(), s.empty() ? nullptr : s.data(), "bench", e8m0.empty() ? nullptr : e8m0.data()};
    std::vector<float> x(K, 0.5f), y(R);
    linear(x.data(), 1, W, y.data());
    auto [sec, pct] = median_paired(repeat, m, double(W.bytes()), [&](int) { linear(x.data(), 1, W, y.data()); });
    std::string name = std::string(dtype_name(t));
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (t == DType::F8_E4M3) name = "fp8";
    if (t == DType::F4_E2M1) name = "fp4";
    ojson r = row("kernel:" + name + "_matvec", "decode", 1, 0, 1.0 / sec, double(W.bytes()), 2.0 * R * K, sec, m, pct);
    const double spb = sec / double(W.bytes());
    if (t == DType::BF16) bf16_spb = spb;
    r["time_per_byte_vs_bf16"] = spb / bf16_spb;
    rows.push_back(r);
    if (has_int8_kernel(t)) {  // the int8 numerics mode's kernel on the same weights
      auto [s8, p8] = median_paired(repeat, m, double(W.bytes()), [&](int) { linear_int8(x.data(), 1, W, y.data()); });
      ojson r8 = row("kernel:" + name + "_matvec_int8", "decode", 1, 0, 1.0 / s8, double(W.bytes()), 2.0 * R * K, s8, m, p8);
      r8["time_per_byte_vs_bf16"] = s8 / double(W.bytes()) / bf16_spb;
      rows.push_back(r8);
    }
  }
  // FP8 GEMM at 512 tokens (a prefill batch, the prefill GEMM): compute-bound.
  {
    const int64_t R = 4096, K = 7168, T = 512;
    std::vector<uint8_t> w(R * K);
    std::vector<float> s(((R + 127) / 128) * ((K + 127) / 128), 1.0f / 256);
    for (int64_t i = 0; i < R * K; ++i) w[i] = static_cast<uint8_t>((i * 2654435761u) >> 13) & 0x77;
    Matrix W{DType::F8_E4M3, R, K, w.data(), s.data(), "bench"};
    std::vector<float> x(T * K, 0.25f), y(T * R);
    linear_prefill(x.data(), T, W, y.data());
    double t = median_seconds(repeat, [&] { linear_prefill(x.data(), T, W, y.data()); });
    rows.push_back(row("kernel:fp8_gemm", "prefill", T, 0, T / t, double(W.bytes()), 2.0 * T * R * K, t, m));
  }
}

}  // namespace

Machine measure_machine(int threads) {
  Machine m;
  m.threads = set_num_threads(threads);
  std::cerr << "measuring this machine (" << m.threads << " threads, SIMD " << simd_target_name() << ") ...\n";
  m.probe = std::make_unique<ReadBandwidthProbe>(int64_t(1) << 30);
  for (int i = 0; i < 5; ++i) m.bw = std::max(m.bw, m.probe->pass_gbs());
  m.fma = measure_fma_gflops(3);
  return m;
}

int finish_bench(const Machine& m, ojson& out, ojson& rows, bool json) {
  if (mpi::world().rank() != 0) return 0;  // under mpirun rank 0 reports
  for (auto& r : rows) r["pct_bw"] = std::min(100.0, 100.0 * r["gbs"].get<double>() / m.bw);
  out["machine"]["mem_bw_gbs"] = m.bw;
  out["results"] = rows;
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  out["peak_rss_bytes"] = static_cast<int64_t>(ru.ru_maxrss) * 1024;
  if (json) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  print_bench_table(m, rows, ru.ru_maxrss / 1024.0);
  return 0;
}

void print_bench_table(const Machine& m, const ojson& rows, double peak_rss_mib) {
  std::printf("machine: %d threads, %s, read bandwidth %.1f GB/s, FMA peak %.1f GFLOP/s\n", m.threads,
              simd_target_name(), m.bw, m.fma);
  // The name column as wide as the longest name (kernel rows, a mix's name).
  int w = 20;
  for (const auto& r : rows) w = std::max(w, static_cast<int>(r["name"].get<std::string>().size()));
  std::printf("%-*s %-8s %6s %8s %12s %10s %9s %8s %8s %8s\n", w, "name", "phase", "batch", "context", "tokens/s",
              "GB/s", "GFLOP/s", "%bw", "%fma", "s/B:bf16");
  for (const auto& r : rows) {
    char vs[16] = "";
    if (r.contains("time_per_byte_vs_bf16")) std::snprintf(vs, sizeof vs, "%.2fx", r["time_per_byte_vs_bf16"].get<double>());
    std::printf("%-*s %-8s %6lld %8lld %12.2f %10.2f %9.2f %7.1f%% %7.1f%% %8s\n", w, r["name"].get<std::string>().c_str(),
                r["phase"].get<std::string>().c_str(), static_cast<long long>(r["batch"].get<int64_t>()),
                static_cast<long long>(r["context"].get<int64_t>()), r["tokens_per_s"].get<double>(),
                r["gbs"].get<double>(), r["gflops"].get<double>(), r["pct_bw"].get<double>(), r["pct_fma"].get<double>(),
                vs);
  }
  std::printf("peak RSS %.1f MiB\n", peak_rss_mib);
}

int cmd_bench(const BenchArgs& a) {
  if (a.synthetic.empty() && is_v4_checkpoint(a.model_dir)) {  // model_type deepseek_v4
    refuse_under_mpi("bench (DeepSeek-V4)");
    return bench_v4(a);
  }
  // Every argument is checked before anything is measured or built.
  if (a.repeat < 1) throw Error("--repeat must be >= 1");
  if (a.threads < 0) throw Error("--threads must be >= 0 (0: all cores)");
  std::vector<int64_t> batches = parse_list(a.batches, "batch"), contexts = parse_list(a.contexts, "context");
  for (int64_t b : batches)
    if (b < 1) throw Error("--batch sizes must be >= 1");
  if (a.phase != "decode" && a.prefill_tokens < 2) throw Error("--prefill-tokens must be >= 2");
  std::vector<int64_t> drafts;
  if (!a.drafts.empty()) {
    drafts = parse_list(a.drafts, "draft");
    for (int64_t d : drafts)
      if (d < 1 || d > kMaxDraft) throw Error("--draft counts must be in 1.." + std::to_string(kMaxDraft));
    if (a.phase == "prefill") throw Error("--draft measures decoding: not with --phase prefill");
  }
  if (!a.synthetic.empty() && (a.experts < 1 || a.experts > 256))
    throw Error("--experts must be in 1..256 (the real model has 256)");
  const Numerics num = parse_numerics(a.numerics);
  std::unique_ptr<Model> model;
  std::string name;
  if (!a.synthetic.empty()) {
    std::cerr << "building the synthetic real-layer model (" << a.experts << " experts) ...\n";
    model = Model::from_checkpoint(
        synthetic_checkpoint(real_layer_config(a.experts), 42, "real-layer", weight_mix(a.weights)), num);
    name = a.weights == "fp8" ? "real-layer" : "real-layer:" + a.weights;
  } else {
    model = Model::load(a.model_dir, num);
    name = model->checkpoint().dir();
    while (!name.empty() && name.back() == '/') name.pop_back();
    name = name.substr(name.find_last_of('/') + 1);
  }
  // Under mpirun every rank runs the same steps (deterministic inputs, fixed repetitions) with
  // its share of the experts: the MoE all-reduce keeps them in lockstep (mpi/README.md).
  if (mpi::world().size() > 1) model->set_expert_parallel(&mpi::world());
  const ModelConfig& c = model->config();
  for (int64_t ctx : contexts)
    if (a.phase != "prefill" && ctx + a.repeat + 3 > c.max_position_embeddings)
      throw Error("--context " + std::to_string(ctx) + ": decode steps at that context need " + std::to_string(ctx + a.repeat + 3) +
                  " positions, the model has max_position_embeddings " + std::to_string(c.max_position_embeddings));
  if (a.mtp && model->weights().mtp.empty()) throw Error("--mtp: " + name + " has no MTP layer");
  // Acceptance is measured on the checkpoint's own held-out samples (the built-in model's).
  std::string samples;
  if (!drafts.empty() && a.synthetic.empty() && std::filesystem::exists(model->checkpoint().dir() + "/samples.jsonl")) {
    if (model->weights().mtp.empty()) throw Error("--draft: " + name + " has no MTP layer to draft with");
    samples = model->checkpoint().dir() + "/samples.jsonl";
  }
  if (a.phase != "decode" && a.prefill_tokens > c.max_position_embeddings)
    throw Error("--prefill-tokens exceeds max_position_embeddings " + std::to_string(c.max_position_embeddings));

  Machine m = measure_machine(a.threads);
  ojson out;
  out["machine"] = {{"mem_bw_gbs", m.bw}, {"fma_gflops", m.fma}, {"threads", m.threads}, {"simd", simd_target_name()},
                    {"numa_nodes", numa_nodes()}};
  ojson rows = ojson::array();
  if (a.kernels) kernel_rows(m, a.repeat, rows);

  model->set_dense_attention(a.dense_attention);
  out["model"] = {{"name", name}, {"weights_bytes", model->checkpoint().total_bytes()}, {"dense_attention", a.dense_attention}};

  if (a.phase != "decode") {
    const int64_t P = a.prefill_tokens;
    std::vector<int32_t> toks(P);
    for (int64_t i = 0; i < P; ++i) toks[i] = static_cast<int32_t>((i * 7919) % c.vocab_size);
    auto once = [&] {
      SequenceCache cache = model->new_cache();
      model->forward(Batch{toks, std::vector<int32_t>(P, 0)}, {&cache}, false);
    };
    double t = median_seconds(a.repeat, once);
    double flops = 0;
    for (int64_t i = 0; i < P; ++i) flops += prefill_flops_per_token(*model, double(i + 1));
    flops += 2.0 * double(model->weights().lm_head.rows * model->weights().lm_head.cols);
    rows.push_back(row(name, "prefill", P, 0, P / t, 0, flops, t, m));
    std::cerr << "prefill " << P << " tokens: " << t << " s\n";
  }
  if (a.phase != "prefill") {
    for (int64_t ctx : contexts)
      for (int64_t b : batches) {
        std::vector<SequenceCache> caches;
        for (int64_t i = 0; i < b; ++i) {
          caches.push_back(model->new_cache());
          fill_cache_random(c, caches.back(), ctx, 1000 + i);
        }
        std::vector<SequenceCache*> ptrs;
        for (auto& s : caches) ptrs.push_back(&s);
        // Each repetition decodes other tokens one position further on, as real decoding does:
        // the router picks other experts and the steps touch other pages.
        const bool mtp = a.mtp;
        int64_t steps = 0;
        auto step = [&](int) {
          Batch batch;
          for (int64_t i = 0; i < b; ++i) {
            batch.tokens.push_back(static_cast<int32_t>((17 + 31 * i + 7919 * steps) % c.vocab_size));
            batch.seq.push_back(static_cast<int32_t>(i));
          }
          ++steps;
          ForwardResult r = model->forward(batch, ptrs, false);
          if (mtp) {  // the MTP layer drafts the next token from the main model's last hidden state
            for (auto& s : caches) s.mtp_length = 0, s.mtp = LayerKV{};
            model->forward_mtp(batch, r.hidden, ptrs);
          }
        };
        if (a.repeat > 1) step(0);  // warm-up: page in the weights
        double bytes = decode_weight_bytes(*model, b) + double(b) * decode_cache_bytes(c, ctx, a.dense_attention);
        if (mtp) bytes += decode_weight_bytes_mtp(*model, b);
        auto [t, pct] = median_paired(a.repeat, m, bytes, step);
        double flops = double(b) * (prefill_flops_per_token(*model, double(ctx + 1)) +
                                    2.0 * double(model->weights().lm_head.rows * model->weights().lm_head.cols));
        rows.push_back(row(name + (mtp ? "+mtp" : ""), "decode", b, ctx, b / t, bytes, flops, t, m, pct));
        std::cerr << "decode batch " << b << " context " << ctx << ": " << t << " s a step\n";
      }
  }
  if (!drafts.empty()) speculative_rows(*model, name, drafts, batches, contexts, a.repeat, samples, m, rows);
  return finish_bench(m, out, rows, a.json);
}

}  // namespace dseek::cli
