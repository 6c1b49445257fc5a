// The DeepSeek-V3.2 (and V3 / V3.1) forward pass over a batch of tokens.
//
// One call runs any mix of sequences: each sequence contributes a contiguous run of tokens
// that continues its cache (positions cache.length, cache.length + 1, ...). A run of more
// than one token uses the prefill (MHA) form of MLA, a single token the absorbed decode
// form, as DeepSeek's inference code does. Math: DeepSeek-V3.2 paper §2 (DSA), DeepSeek-V3
// report §2.1 (MLA, DeepSeekMoE, MTP); oracle dsv32_ref.py is the parity reference.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernels/rope.h"
#include "model/kv_cache.h"
#include "model/model_weights.h"
#include "weights/checkpoint.h"

namespace dseek {

namespace mpi {
class Communicator;  // mpi/communicator.h
}

// exact: FP8 weights decoded exactly, fp32 activations, no activation rounding.
// official: DeepSeek's serving numerics (bf16 materialisation points, per-1x128 FP8
// activation quantisation before FP8 linears, FP8 indexer q/k, FP8 round trip of the cached
// latent, fp32 lm_head) — oracle/REPORT.md trap 7.
// int8: exact, except that the linears (and lm_head) whose weights have an int8 kernel
// (GGUF Q2_K, Q4_K, Q6_K, IQ2_XXS) multiply int8-quantised activations with integer dot
// products, as llama.cpp's CPU backend does (kernels/quant/int8_act.h): faster decode, not
// held to the fp32 goldens.
enum class Numerics { Exact, Official, Int8 };
Numerics parse_numerics(const std::string& s);  // "exact" | "official" | "int8"; throws dseek::Error

struct Batch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> seq;  // index into the caches vector given to forward(), per token
};

// Optional capture of intermediate values for tests and debugging.
struct Trace {
  // per layer: per token of the batch, the selected attention positions (ascending)
  std::map<int, std::vector<std::vector<int32_t>>> topk;
  // per layer: per token, the index scores over positions 0..pos
  std::map<int, std::vector<std::vector<float>>> index_scores;
  // per layer: per token, routed expert ids (ascending)
  std::map<int, std::vector<std::vector<int32_t>>> experts;
  // "layerL.attn_out", "layerL.residual", "layerL.ffn_out", "embed": [N, hidden]
  std::map<std::string, std::vector<float>> tensors;
};

struct ForwardResult {
  std::vector<float> logits;  // [rows, vocab]: every token (all_logits) or each sequence's last
  std::vector<float> hidden;  // [N, hidden]: final normed hidden state of every token
  std::vector<int32_t> logit_rows;  // batch index of each logits row
};

class Model {
 public:
  // Opens and validates a checkpoint directory. Throws dseek::Error.
  static std::unique_ptr<Model> load(const std::string& dir, Numerics numerics);
  // Same, over an already opened (or in-memory) checkpoint.
  static std::unique_ptr<Model> from_checkpoint(std::unique_ptr<Checkpoint> ck, Numerics numerics);

  const ModelConfig& config() const { return ck_->config(); }
  const Checkpoint& checkpoint() const { return *ck_; }
  const ModelWeights& weights() const { return w_; }
  Numerics numerics() const { return numerics_; }
  void set_numerics(Numerics n) { numerics_ = n; }
  // Attend to every causal position even where the indexer would select top-k (comparison
  // switch; the indexer still runs when traced).
  void set_dense_attention(bool on) { dense_attention_ = on; }
  bool dense_attention() const { return dense_attention_; }
  // Test reference: absorbed attention scores every causal position and masks the unselected
  // ones (-inf) instead of gathering the selected rows. Same math, dense cost.
  void set_masked_dense_reference(bool on) { masked_dense_reference_ = on; }
  // Expert parallelism (`--parallel-mode ep`, mpi/README.md): this process applies only the
  // routed experts of its contiguous range (mpi::split_range over comm's ranks) and every MoE
  // layer's routed output is summed over the ranks in a fixed order before the shared expert
  // is added; router and gating run on every rank. All ranks must call forward / forward_mtp
  // with the same batch in lockstep. Null (the default): every expert here, no communication.
  // Throws dseek::Error when the ranks outnumber the routed experts.
  void set_expert_parallel(mpi::Communicator* comm);
  // The routed experts this process applies: [begin, end) (all of them without EP).
  int64_t local_experts_begin() const { return expert_begin_; }
  int64_t local_experts_end() const { return expert_end_; }
  // A cache with a private, unbounded pool (single-sequence use: score, run, tests).
  SequenceCache new_cache() const;
  // A shared pool for many sequences (the server): budget_bytes <= 0 is unbounded. The cache
  // dtype follows the numerics: F32 for exact, BF16 for official (lossless for its values).
  std::shared_ptr<KvPool> new_pool(int64_t budget_bytes, int block_tokens = 64) const;

  // Runs the main model on `batch`; appends to the caches. all_logits: logits for every
  // token, else only for the last token of each sequence. Throws dseek::Error for a token
  // id out of range or a position past max_position_embeddings.
  ForwardResult forward(const Batch& batch, const std::vector<SequenceCache*>& caches,
                        bool all_logits, Trace* trace = nullptr) const;
  // The same, with logits for the batch rows `logit_rows` only (ascending indexes into
  // batch.tokens), each through the decode kernels as a sampled row takes them: the server's
  // speculative verification wants every row of a sequence's draft run but only the last row
  // of a batch-mate's prompt chunk. Throws dseek::Error for a row out of range, as forward.
  ForwardResult forward(const Batch& batch, const std::vector<SequenceCache*>& caches,
                        const std::vector<int32_t>& logit_rows) const;

  // MTP layer (DeepSeek-V3 report §2.2; vLLM/SGLang semantics, oracle mtp_forward): for each
  // token i of a sequence, combines the main model's final normed hidden state h_i with the
  // embedding of token t_{i+1} and returns logits predicting t_{i+2}. next_tokens[i] and
  // prev_hidden[i, :] pair up; positions continue cache.mtp_length. Returns [N, vocab], or
  // with all_logits false only each sequence's last row, [runs, vocab] (a speculative draft).
  // normed_hidden (optional): the MTP layer's final normed hidden state [N, hidden] (the input
  // of its head), what a chained draft step feeds back as prev_hidden (SGLang's chaining).
  std::vector<float> forward_mtp(const Batch& next_tokens, const std::vector<float>& prev_hidden,
                                 const std::vector<SequenceCache*>& caches, bool all_logits = true,
                                 Trace* trace = nullptr, std::vector<float>* normed_hidden = nullptr) const;

 private:
  struct Run {  // one sequence's tokens inside the batch
    int seq;
    int64_t begin, count, start_pos;
  };
  std::vector<Run> runs_of(const Batch& b, const std::vector<SequenceCache*>& caches, bool mtp) const;
  // forward's body: logits for `rows` (null: all of them with all_logits, else each run's last).
  ForwardResult forward_rows(const Batch& batch, const std::vector<SequenceCache*>& caches, bool all_logits,
                             const std::vector<int32_t>* rows, Trace* trace) const;
  // Which rows of a product take the prefill GEMM (kernels/linear.h linear_prefill): those of a
  // sequence that contributes at least kPrefillGemmRows rows to it; decode tokens and short
  // runs take the decode kernels. It depends on the sequence's own rows only, so a sequence's
  // results do not depend on what else is in the batch. seq_of_row: a sequence id per row.
  static constexpr int64_t kPrefillGemmRows = 8;
  static std::vector<uint8_t> prefill_gemm_rows(const std::vector<int32_t>& seq_of_row);
  // Per token of a batch, computed once a forward: its sequence and its prefill_gemm_rows flag.
  struct RowPaths {
    std::vector<int32_t> seq;
    std::vector<uint8_t> gemm;
  };
  static RowPaths row_paths(const std::vector<Run>& runs, int64_t N);
  // Linear layer with the numerics' input quantisation / output rounding; gemm: per row, 1 for
  // the prefill GEMM (null: all rows through the decode kernels).
  void lin(const float* x, int64_t T, const Matrix& W, float* y, const uint8_t* gemm) const;
  // int8 numerics and a type with an int8 kernel: y = linear_int8(x W^T), true; else false.
  bool int8_linear(const float* x, int64_t T, const Matrix& W, float* y) const;
  void bf(float* x, int64_t n) const;
  void block(const LayerWeights& L, int tag, std::vector<float>& h, std::vector<float>& residual,
             bool first, const std::vector<Run>& runs, const RowPaths& paths,
             const std::vector<SequenceCache*>& caches, bool mtp, Trace* trace) const;
  void attention(const LayerWeights& L, int tag, const float* x, int64_t N, const std::vector<Run>& runs,
                 const RowPaths& paths, const std::vector<SequenceCache*>& caches, bool mtp, float* out,
                 Trace* trace) const;
  void expand_latents(const LayerWeights& L, const float* lat, int64_t end, float* kvb) const;
  void attend_prefill(const LayerWeights& L, const float* q, int64_t T, const struct KvAccess& kv,
                      int64_t end, const std::vector<std::vector<int32_t>>& sel, float* o) const;
  void attend_decode(const LayerWeights& L, const float* q, const struct KvAccess& kv, const std::vector<int32_t>& sel,
                     int64_t n_valid, float* o) const;
  void ffn(const LayerWeights& L, int tag, const float* x, int64_t N, const RowPaths& paths, float* out,
           Trace* trace) const;
  void mlp(const MlpWeights& m, const float* x, int64_t T, const uint8_t* gemm, float* out) const;
  void embed(const Matrix& table, const std::vector<int32_t>& tokens, float* out) const;

  std::unique_ptr<Checkpoint> ck_;
  ModelWeights w_;
  Numerics numerics_ = Numerics::Exact;
  bool dense_attention_ = false;
  bool masked_dense_reference_ = false;
  Rope rope_;
  float softmax_scale_ = 1.0f;
  mpi::Communicator* ep_comm_ = nullptr;  // expert parallelism; null: all experts local
  int64_t expert_begin_ = 0, expert_end_ = 0;
};

}  // namespace dseek
