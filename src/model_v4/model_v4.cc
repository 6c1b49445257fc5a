#include "model_v4/model_v4.h"

#include <algorithm>
#include <filesystem>
#include <string>

#include "kernels/linear.h"
#include "kernels/ops.h"
#include "model_v4/attention_v4.h"
#include "model_v4/hc.h"
#include "model_v4/linear_v4.h"
#include "model_v4/moe_v4.h"
#include "model_v4/numerics_v4.h"
#include "runtime/error.h"

namespace dseek {

namespace {

void check_numerics(Numerics numerics) {
  if (numerics == Numerics::Int8)
    throw Error("DeepSeek-V4 runs in --numerics exact or official; int8 is llama.cpp's CPU mode for GGUF "
                "K-quant weights, which V4 checkpoints do not have");
}

}  // namespace

std::unique_ptr<ModelV4> ModelV4::load(const std::string& dir, Numerics numerics) {
  check_numerics(numerics);
  ConfigV4 c = ConfigV4::from_file((std::filesystem::path(dir) / "config.json").string());
  return from_checkpoint(Checkpoint::open_tensors(dir), std::move(c), numerics);
}

std::unique_ptr<ModelV4> ModelV4::from_checkpoint(std::unique_ptr<Checkpoint> ck, ConfigV4 config, Numerics numerics) {
  check_numerics(numerics);
  auto m = std::unique_ptr<ModelV4>(new ModelV4());
  m->numerics_ = numerics;
  m->c_ = std::move(config);
  m->w_ = ModelWeightsV4::bind(*ck, m->c_);
  m->ck_ = std::move(ck);
  for (int L = 0; L < m->c_.num_layers_total(); ++L) m->rope_.push_back(RopeV4::for_layer(m->c_, L));
  return m;
}

void ModelV4::bf(float* x, int64_t n) const {
  if (official()) round_bf16(x, n);
}

void ModelV4::check_tokens(const std::vector<int32_t>& tokens, int64_t pos0) const {
  if (tokens.empty()) throw Error("forward: no tokens");
  for (int32_t t : tokens)
    if (t < 0 || t >= c_.vocab_size)
      throw Error("token id " + std::to_string(t) + " is outside the vocabulary (0.." +
                  std::to_string(c_.vocab_size - 1) + ")");
  if (c_.max_position_embeddings > 0 && pos0 + static_cast<int64_t>(tokens.size()) > c_.max_position_embeddings)
    throw Error("position " + std::to_string(pos0 + tokens.size() - 1) + " is past max_position_embeddings (" +
                std::to_string(c_.max_position_embeddings) + ")");
}

void ModelV4::block(const BlockWeightsV4& b, std::vector<float>& X, const std::vector<int32_t>& tokens,
                    LayerStateV4& ls, int64_t pos0, TraceV4* trace) const {
  const int64_t T = static_cast<int64_t>(tokens.size()), n = c_.hc_mult, d = c_.hidden_size;
  const int64_t m = (2 + n) * n;
  std::vector<float> mixes(T * m), pre(T * n), post(T * n), comb(T * n * n), h(T * d), o(T * d), X2(X.size());
  const float eps = static_cast<float>(c_.rms_norm_eps);
  auto sublayer = [&](const HcWeightsV4& hc, const std::vector<float>& norm, auto&& run) {
    hc_mixes(c_, X.data(), T, d, hc.fn, mixes.data());
    hc_split(c_, mixes.data(), T, hc.scale.data(), hc.base.data(), pre.data(), post.data(), comb.data());
    hc_collapse(X.data(), T, static_cast<int>(n), d, pre.data(), h.data());
    bf(h.data(), T * d);  // hc_pre: y.to(bf16)
    rmsnorm(h.data(), T, d, norm.data(), eps, h.data());
    bf(h.data(), T * d);  // RMSNorm writes bf16
    run();
    bf(o.data(), T * d);  // the sublayer's output (wo_b's bf16 output; MoE y.type_as(x))
    hc_expand(o.data(), X.data(), T, static_cast<int>(n), d, post.data(), comb.data(), X2.data());
    bf(X2.data(), T * n * d);  // hc_post: y.type_as(x), the bf16 streams
    X.swap(X2);
  };
  const std::string tag = "layer" + std::to_string(b.layer);
  sublayer(b.hc_attn, b.attn_norm, [&] {
    attention_v4(c_, b.attn, rope_[b.layer], ls, h.data(), T, pos0, o.data(), b.layer, trace, official());
    if (trace) trace->append(tag + ".attn_out", o.data(), o.data() + o.size());
  });
  sublayer(b.hc_ffn, b.ffn_norm, [&] {
    moe_v4(c_, b.ffn, h.data(), tokens.data(), T, o.data(), b.layer, trace, official());
    if (trace) trace->append(tag + ".ffn_out", o.data(), o.data() + o.size());
  });
  if (trace) trace->append(tag + ".hc_streams", X.data(), X.data() + X.size());
}

std::vector<float> ModelV4::head(const HcWeightsV4& hc, const std::vector<float>& norm, const float* X,
                                 int64_t T) const {
  const int64_t n = c_.hc_mult, d = c_.hidden_size;
  std::vector<float> mixes(T * n), pre(T * n), y(T * d);
  hc_mixes(c_, X, T, d, hc.fn, mixes.data());
  hc_head_pre(c_, mixes.data(), T, hc.scale.data(), hc.base.data(), pre.data());
  hc_collapse(X, T, static_cast<int>(n), d, pre.data(), y.data());
  bf(y.data(), T * d);  // hc_head: y.to(bf16)
  rmsnorm(y.data(), T, d, norm.data(), static_cast<float>(c_.rms_norm_eps), y.data());
  bf(y.data(), T * d);  // the head reads norm(x) (bf16) as fp32: logits in fp32
  return y;
}

ForwardV4 ModelV4::forward(const std::vector<int32_t>& tokens, StateV4& st, bool all_logits, TraceV4* trace) const {
  check_tokens(tokens, st.pos);
  const int64_t T = static_cast<int64_t>(tokens.size()), n = c_.hc_mult, d = c_.hidden_size;
  std::vector<float> X(T * n * d), e(d);
  for (int64_t t = 0; t < T; ++t) {
    w_.embed.row(tokens[t], e.data());
    for (int64_t k = 0; k < n; ++k) std::copy(e.begin(), e.end(), X.begin() + (t * n + k) * d);
    if (trace) trace->append("embed", e.data(), e.data() + e.size());
  }
  for (int L = 0; L < c_.num_hidden_layers; ++L) block(w_.layers[L], X, tokens, st.layers[L], st.pos, trace);
  st.pos += T;
  ForwardV4 r;
  r.hidden = head(w_.hc_head, w_.norm, X.data(), T);
  const int64_t r0 = all_logits ? 0 : T - 1;
  r.logits.resize((T - r0) * c_.vocab_size);
  linear_v4(r.hidden.data() + r0 * d, T - r0, w_.head, r.logits.data());
  r.streams = std::move(X);
  return r;
}

std::vector<float> ModelV4::forward_mtp(const std::vector<int32_t>& next_tokens, const std::vector<float>& streams,
                                        StateV4& st, TraceV4* trace) const {
  if (w_.mtp.empty()) throw Error(ck_->dir() + ": the checkpoint has no MTP block (num_nextn_predict_layers is 0)");
  check_tokens(next_tokens, st.mtp_pos);
  const int64_t T = static_cast<int64_t>(next_tokens.size()), n = c_.hc_mult, d = c_.hidden_size;
  if (static_cast<int64_t>(streams.size()) != T * n * d)
    throw Error("forward_mtp: " + std::to_string(streams.size()) + " stream values for " + std::to_string(T) +
                " tokens (expected tokens x hc_mult x hidden_size)");
  const BlockWeightsV4& b = w_.mtp[0];
  const float eps = static_cast<float>(c_.rms_norm_eps);
  // Per stream: e_proj(enorm(embed(next))) + h_proj(hnorm(X_j)).
  std::vector<float> e(T * d), pe(T * d), hn(T * n * d), X(T * n * d);
  for (int64_t t = 0; t < T; ++t) w_.embed.row(next_tokens[t], e.data() + t * d);
  rmsnorm(e.data(), T, d, b.enorm.data(), eps, e.data());
  rmsnorm(streams.data(), T * n, d, b.hnorm.data(), eps, hn.data());
  if (official()) {  // bf16 norms, FP8 e_proj / h_proj with act_quant, bf16 sum
    const bool pow2 = c_.ue8m0();
    round_bf16(e.data(), T * d);
    round_bf16(hn.data(), T * n * d);
    linear_official(e.data(), T, b.e_proj, pe.data(), pow2);
    linear_official(hn.data(), T * n, b.h_proj, X.data(), pow2);
  } else {
    linear_v4(e.data(), T, b.e_proj, pe.data());
    linear_v4(hn.data(), T * n, b.h_proj, X.data());
  }
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < n; ++k)
      for (int64_t i = 0; i < d; ++i) X[(t * n + k) * d + i] += pe[t * d + i];
  bf(X.data(), T * n * d);
  block(b, X, next_tokens, st.mtp[0], st.mtp_pos, trace);
  st.mtp_pos += T;
  const std::vector<float> y = head(b.hc_head, b.norm, X.data(), T);
  std::vector<float> logits(T * c_.vocab_size);
  linear_v4(y.data(), T, w_.head, logits.data());
  return logits;
}

}  // namespace dseek
