// The DeepSeek-V4 (Flash, Pro) forward pass of one sequence, chunk by chunk: a prompt in one
// call (prefill), one token a call (decode) or any mix of chunk sizes (chunked prefill) give the
// same logits, since everything a later token needs is carried in StateV4.
//   X = embed(tokens) copied into hc_mult streams            [T, n, hidden]
//   per block: X = hc_expand(attn(RMSNorm(hc_collapse(X, pre))), X, post, comb)   (mHC, hc.h)
//              X = hc_expand(moe(RMSNorm(hc_collapse(X, pre'))), X, post', comb')
//   logits = head(RMSNorm(hc_collapse(X, hc_head pre)))
// MTP block: per stream X_j' = e_proj(enorm(embed(t_{i+1}))) + h_proj(hnorm(X_j)), one block,
// its own hc_head + norm, the trunk's head; row i predicts token i + 2.
// Numerics: exact (weights decoded exactly, fp32 activations; the default, what the goldens
// check) or official (DeepSeek's serving numerics: bf16 activations, hc streams and caches, FP8
// activation quantisation before the FP8 / FP4 linears except wo_a, FP8 simulation of the KV
// entries' nope dims, FP4 simulation of the indexer's q / k, bf16 attention probabilities; fp32
// router, compressor and head — numerics_v4.h). Int8 is refused.
// Source: DeepSeek-V4 report; oracle-v4 dsv4_ref.py `DSV4Ref`, `Session.step`, `Session.mtp_step`;
// DeepSeek-V4 inference/model.py + kernel.py for the official numerics.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"  // Numerics
#include "model_v4/config_v4.h"
#include "model_v4/rope_v4.h"
#include "model_v4/state_v4.h"
#include "model_v4/trace_v4.h"
#include "model_v4/weights_v4.h"
#include "weights/checkpoint.h"

namespace dseek {

struct ForwardV4 {
  std::vector<float> logits;   // [rows, vocab]: every token (all_logits) or the last one
  std::vector<float> streams;  // [T, hc_mult, hidden]: the final streams (input of hc_head and of MTP)
  std::vector<float> hidden;   // [T, hidden]: final norm output
};

class ModelV4 {
 public:
  // Opens a V4 checkpoint directory (config.json model_type deepseek_v4 + safetensors) and binds
  // every tensor. Throws dseek::Error naming the file and key / tensor on any defect, and for
  // Numerics::Int8 (a GGUF mode; V4 has exact and official).
  static std::unique_ptr<ModelV4> load(const std::string& dir, Numerics numerics = Numerics::Exact);
  static std::unique_ptr<ModelV4> from_checkpoint(std::unique_ptr<Checkpoint> ck, ConfigV4 config,
                                                  Numerics numerics = Numerics::Exact);

  const ConfigV4& config() const { return c_; }
  const ModelWeightsV4& weights() const { return w_; }
  const Checkpoint& checkpoint() const { return *ck_; }
  Numerics numerics() const { return numerics_; }
  // A fresh sequence state; official numerics keep the indexer keys as FP4 codes.
  StateV4 new_state() const { return StateV4::fresh(c_, official()); }

  // Runs tokens [T >= 1] continuing st (positions st.pos ..). all_logits: a logits row for
  // every token, else only for the last. Throws dseek::Error for a token id out of range or a
  // position past max_position_embeddings (st unchanged then).
  ForwardV4 forward(const std::vector<int32_t>& tokens, StateV4& st, bool all_logits, TraceV4* trace = nullptr) const;

  // MTP block 0 over the trunk's final streams [T, n, hidden] of T consecutive tokens and the
  // T tokens that follow them (positions st.mtp_pos ..): logits [T, vocab]. Throws dseek::Error
  // when the checkpoint has no MTP block.
  std::vector<float> forward_mtp(const std::vector<int32_t>& next_tokens, const std::vector<float>& streams,
                                 StateV4& st, TraceV4* trace = nullptr) const;

 private:
  void check_tokens(const std::vector<int32_t>& tokens, int64_t pos0) const;
  void block(const BlockWeightsV4& b, std::vector<float>& X, const std::vector<int32_t>& tokens, LayerStateV4& ls,
             int64_t pos0, TraceV4* trace) const;
  // hc_head + norm over the T rows of X ([T, n, hidden]): the hidden rows [T, hidden] the
  // head (the shared `head.weight`) multiplies.
  std::vector<float> head(const HcWeightsV4& hc, const std::vector<float>& norm, const float* X, int64_t T) const;

  std::unique_ptr<Checkpoint> ck_;
  ConfigV4 c_;
  ModelWeightsV4 w_;
  std::vector<RopeV4> rope_;  // per layer, trunk then MTP
  Numerics numerics_ = Numerics::Exact;
  bool official() const { return numerics_ == Numerics::Official; }
  // Official numerics: rounds n values to bf16 (a materialisation point); exact: nothing.
  void bf(float* x, int64_t n) const;
};

}  // namespace dseek
