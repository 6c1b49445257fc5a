#include "model/model.h"

#include <algorithm>

#include "kernels/act_quant.h"
#include "kernels/linear.h"
#include "kernels/ops.h"
#include "mpi/communicator.h"
#include "runtime/error.h"

namespace dseek {

Numerics parse_numerics(const std::string& s) {
  if (s == "exact") return Numerics::Exact;
  if (s == "official") return Numerics::Official;
  if (s == "int8") return Numerics::Int8;
  throw Error("--numerics must be 'exact', 'official' or 'int8', got '" + s + "'");
}

std::unique_ptr<Model> Model::load(const std::string& dir, Numerics numerics) {
  return from_checkpoint(Checkpoint::open(dir), numerics);
}

std::unique_ptr<Model> Model::from_checkpoint(std::unique_ptr<Checkpoint> ck, Numerics numerics) {
  std::unique_ptr<Model> m(new Model());
  m->ck_ = std::move(ck);
  m->w_ = ModelWeights::bind(*m->ck_);
  m->numerics_ = numerics;
  m->rope_ = Rope::from_config(m->config());
  m->softmax_scale_ = static_cast<float>(mla_softmax_scale(m->config()));
  m->expert_end_ = m->config().n_routed_experts;
  return m;
}

void Model::set_expert_parallel(mpi::Communicator* comm) {
  const int64_t E = config().n_routed_experts;
  if (!comm || comm->size() == 1) {
    ep_comm_ = nullptr;
    expert_begin_ = 0;
    expert_end_ = E;
    return;
  }
  bool moe = false;
  for (int l = 0; l < config().num_hidden_layers; ++l) moe = moe || config().is_moe_layer(l);
  if (E == 0 || !moe) throw Error(ck_->dir() + ": --parallel-mode ep needs a MoE model (this one has no MoE layer)");
  const mpi::Range r = mpi::split_range(E, comm->rank(), comm->size());
  ep_comm_ = comm;
  expert_begin_ = r.begin;
  expert_end_ = r.end;
}

SequenceCache Model::new_cache() const { return SequenceCache(new_pool(0)); }

std::shared_ptr<KvPool> Model::new_pool(int64_t budget_bytes, int block_tokens) const {
  return std::make_shared<KvPool>(config(), numerics_ == Numerics::Official ? KvDtype::BF16 : KvDtype::F32,
                                  budget_bytes, block_tokens);
}

void Model::bf(float* x, int64_t n) const {
  if (numerics_ == Numerics::Official) round_bf16(x, n);
}

Model::RowPaths Model::row_paths(const std::vector<Run>& runs, int64_t N) {
  RowPaths p;
  p.seq.resize(N);
  for (const Run& r : runs) std::fill_n(p.seq.begin() + r.begin, r.count, r.seq);
  p.gemm = prefill_gemm_rows(p.seq);
  return p;
}

std::vector<uint8_t> Model::prefill_gemm_rows(const std::vector<int32_t>& seq_of_row) {
  std::map<int32_t, int64_t> count;
  for (int32_t s : seq_of_row) ++count[s];
  std::vector<uint8_t> g(seq_of_row.size());
  for (size_t i = 0; i < g.size(); ++i) g[i] = count[seq_of_row[i]] >= kPrefillGemmRows;
  return g;
}

bool Model::int8_linear(const float* x, int64_t T, const Matrix& W, float* y) const {
  return numerics_ == Numerics::Int8 && linear_int8(x, T, W, y);
}

void Model::lin(const float* x, int64_t T, const Matrix& W, float* y, const uint8_t* gemm) const {
  if (numerics_ == Numerics::Official && W.dtype == DType::F8_E4M3) {
    // fp8_gemm: the bf16 input is quantised per 1x128 block, the output materialised in bf16.
    std::vector<float> xq(x, x + T * W.cols);
    act_qdq(xq.data(), T, W.cols, config().scale_fmt == "ue8m0");
    linear_mixed(xq.data(), T, W, y, gemm);
  } else if (!int8_linear(x, T, W, y)) {
    linear_mixed(x, T, W, y, gemm);
  }
  bf(y, T * W.rows);
}

void Model::embed(const Matrix& table, const std::vector<int32_t>& tokens, float* out) const {
  const int64_t D = table.cols;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= table.rows)
      throw Error("token id " + std::to_string(tokens[i]) + " out of range [0, " +
                  std::to_string(table.rows) + ")");
    table.row(tokens[i], out + i * D);
  }
}

std::vector<Model::Run> Model::runs_of(const Batch& b, const std::vector<SequenceCache*>& caches,
                                       bool mtp) const {
  if (b.seq.size() != b.tokens.size()) throw Error("batch: seq ids and tokens differ in length");
  std::vector<Run> runs;
  std::vector<bool> seen(caches.size(), false);
  for (int64_t i = 0; i < static_cast<int64_t>(b.tokens.size()); ++i) {
    int s = b.seq[i];
    if (s < 0 || s >= static_cast<int>(caches.size()) || !caches[s])
      throw Error("batch: sequence id " + std::to_string(s) + " has no cache");
    if (!runs.empty() && runs.back().seq == s) {
      ++runs.back().count;
      continue;
    }
    if (seen[s]) throw Error("batch: tokens of sequence " + std::to_string(s) + " are not contiguous");
    seen[s] = true;
    int64_t start = mtp ? caches[s]->mtp_length : caches[s]->length;
    runs.push_back({s, i, 1, start});
  }
  for (const Run& r : runs)
    if (r.start_pos + r.count > config().max_position_embeddings)
      throw Error("sequence of " + std::to_string(r.start_pos + r.count) +
                  " tokens exceeds max_position_embeddings " + std::to_string(config().max_position_embeddings));
  return runs;
}

// One decoder block (oracle DeepseekV32Ref.block): pre-norm attention and FFN with the
// residual stream carried separately (bf16-rounded in official numerics).
void Model::block(const LayerWeights& L, int tag, std::vector<float>& h, std::vector<float>& residual,
                  bool first, const std::vector<Run>& runs, const RowPaths& paths,
                  const std::vector<SequenceCache*>& caches, bool mtp, Trace* trace) const {
  const ModelConfig& c = config();
  const int64_t D = c.hidden_size, N = static_cast<int64_t>(h.size()) / D;
  std::vector<float> s(h), x(N * D), a(N * D);
  if (first) {
    residual = h;
  } else {
    for (int64_t i = 0; i < N * D; ++i) s[i] = h[i] + residual[i];
    residual = s;
    bf(residual.data(), N * D);
  }
  rmsnorm(s.data(), N, D, L.input_layernorm.data(), c.rms_norm_eps, x.data());
  bf(x.data(), N * D);
  attention(L, tag, x.data(), N, runs, paths, caches, mtp, a.data(), trace);
  for (int64_t i = 0; i < N * D; ++i) s[i] = a[i] + residual[i];
  residual = s;
  bf(residual.data(), N * D);
  rmsnorm(s.data(), N, D, L.post_attention_layernorm.data(), c.rms_norm_eps, x.data());
  bf(x.data(), N * D);
  ffn(L, tag, x.data(), N, paths, h.data(), trace);
  if (trace) {
    std::string p = "layer" + std::to_string(tag) + ".";
    trace->tensors[p + "attn_out"] = a;
    trace->tensors[p + "residual"] = residual;
    trace->tensors[p + "ffn_out"] = h;
  }
}

ForwardResult Model::forward(const Batch& batch, const std::vector<SequenceCache*>& caches,
                             bool all_logits, Trace* trace) const {
  return forward_rows(batch, caches, all_logits, nullptr, trace);
}

ForwardResult Model::forward(const Batch& batch, const std::vector<SequenceCache*>& caches,
                             const std::vector<int32_t>& logit_rows) const {
  for (size_t i = 0; i < logit_rows.size(); ++i)
    if (logit_rows[i] < 0 || logit_rows[i] >= static_cast<int32_t>(batch.tokens.size()) ||
        (i > 0 && logit_rows[i] <= logit_rows[i - 1]))
      throw Error("forward: logit rows must ascend within the batch's " + std::to_string(batch.tokens.size()) +
                  " rows (row " + std::to_string(logit_rows[i]) + ")");
  return forward_rows(batch, caches, false, &logit_rows, nullptr);
}

ForwardResult Model::forward_rows(const Batch& batch, const std::vector<SequenceCache*>& caches, bool all_logits,
                                  const std::vector<int32_t>* logit_rows, Trace* trace) const {
  const ModelConfig& c = config();
  const int64_t D = c.hidden_size, N = static_cast<int64_t>(batch.tokens.size());
  std::vector<Run> runs = runs_of(batch, caches, false);
  const RowPaths paths = row_paths(runs, N);
  std::vector<float> h(N * D), residual;
  embed(w_.embed_tokens, batch.tokens, h.data());
  // Room for every new position first: a full cache fails here, before any state changes.
  std::vector<int64_t> reserved;
  try {
    for (const Run& r : runs) {
      caches[r.seq]->reserve(r.count);
      reserved.push_back(r.seq);
    }
  } catch (...) {
    for (size_t i = 0; i < reserved.size(); ++i) caches[reserved[i]]->truncate(caches[reserved[i]]->length, true);
    throw;
  }
  if (trace) trace->tensors["embed"] = h;
  for (int l = 0; l < c.num_hidden_layers; ++l)
    block(w_.layers[l], l, h, residual, l == 0, runs, paths, caches, false, trace);
  for (const Run& r : runs) caches[r.seq]->commit(batch.tokens.data() + r.begin, r.count);

  ForwardResult out;
  out.hidden.resize(N * D);
  for (int64_t i = 0; i < N * D; ++i) h[i] += residual[i];
  rmsnorm(h.data(), N, D, w_.norm.data(), c.rms_norm_eps, out.hidden.data());
  bf(out.hidden.data(), N * D);
  if (logit_rows) {
    out.logit_rows = *logit_rows;
  } else if (all_logits) {
    for (int64_t i = 0; i < N; ++i) out.logit_rows.push_back(static_cast<int32_t>(i));
  } else {
    for (const Run& r : runs) out.logit_rows.push_back(static_cast<int32_t>(r.begin + r.count - 1));
  }
  std::vector<float> rows(out.logit_rows.size() * D);
  for (size_t i = 0; i < out.logit_rows.size(); ++i)
    std::copy_n(out.hidden.data() + out.logit_rows[i] * D, D, rows.data() + i * D);
  out.logits.resize(out.logit_rows.size() * c.vocab_size);
  // lm_head runs in fp32 in exact and official numerics (logits are fp32); int8 numerics
  // quantise its input like every other linear's where its type has an int8 kernel.
  // Scoring (all_logits) takes each token's row path; a sampled row, the decode kernels.
  const int64_t nl = static_cast<int64_t>(out.logit_rows.size());
  if (!int8_linear(rows.data(), nl, w_.lm_head, out.logits.data()))
    linear_mixed(rows.data(), nl, w_.lm_head, out.logits.data(), all_logits ? paths.gemm.data() : nullptr);
  return out;
}

std::vector<float> Model::forward_mtp(const Batch& next_tokens, const std::vector<float>& prev_hidden,
                                      const std::vector<SequenceCache*>& caches, bool all_logits, Trace* trace,
                                      std::vector<float>* normed_hidden) const {
  const ModelConfig& c = config();
  if (w_.mtp.empty()) throw Error(ck_->dir() + ": the checkpoint has no MTP layer (num_nextn_predict_layers = 0)");
  const LayerWeights& L = w_.mtp[0];
  const int64_t D = c.hidden_size, N = static_cast<int64_t>(next_tokens.tokens.size());
  if (static_cast<int64_t>(prev_hidden.size()) != N * D) throw Error("forward_mtp: prev_hidden must be [N, hidden]");
  std::vector<Run> runs = runs_of(next_tokens, caches, true);
  std::vector<float> e(N * D), cat(N * 2 * D), h(N * D), residual;
  embed(L.mtp_embed, next_tokens.tokens, e.data());
  rmsnorm(e.data(), N, D, L.enorm.data(), c.rms_norm_eps, e.data());
  bf(e.data(), N * D);
  std::vector<float> hn(N * D);
  rmsnorm(prev_hidden.data(), N, D, L.hnorm.data(), c.rms_norm_eps, hn.data());
  bf(hn.data(), N * D);
  for (int64_t i = 0; i < N; ++i) {  // [enorm(embedding) ; hnorm(hidden)], embedding first
    std::copy_n(e.data() + i * D, D, cat.data() + i * 2 * D);
    std::copy_n(hn.data() + i * D, D, cat.data() + i * 2 * D + D);
  }
  const RowPaths paths = row_paths(runs, N);
  lin(cat.data(), N, L.eh_proj, h.data(), paths.gemm.data());
  block(L, c.num_hidden_layers, h, residual, true, runs, paths, caches, true, trace);
  for (const Run& r : runs) caches[r.seq]->mtp_length = r.start_pos + r.count;
  for (int64_t i = 0; i < N * D; ++i) h[i] += residual[i];
  std::vector<float> y(N * D);
  rmsnorm(h.data(), N, D, L.shared_head_norm.data(), c.rms_norm_eps, y.data());
  bf(y.data(), N * D);
  std::vector<float> rows;  // the head's input rows: all, or each sequence's last
  if (!all_logits)
    for (const Run& r : runs) rows.insert(rows.end(), y.begin() + (r.begin + r.count - 1) * D, y.begin() + (r.begin + r.count) * D);
  const std::vector<float>& x = all_logits ? y : rows;
  const int64_t nl = static_cast<int64_t>(x.size()) / D;
  std::vector<float> logits(nl * c.vocab_size);
  if (!int8_linear(x.data(), nl, L.shared_head_head, logits.data()))
    linear(x.data(), nl, L.shared_head_head, logits.data());
  if (normed_hidden) *normed_hidden = std::move(y);
  return logits;
}

}  // namespace dseek
