// DeepSeek-V4's `official` numerics (the serving path of DeepSeek's inference code, model.py +
// kernel.py): what the reference rounds, and where, as small functions the V4 forward calls when
// ModelV4 runs with Numerics::Official. The exact path never calls them.
//
//   * bf16 materialisation: every activation the reference holds in its default dtype bf16 (the
//     hc streams, norms' outputs, linear outputs, RoPE'd q / kv, the caches) is rounded to bf16
//     (round to nearest even) where the reference writes it; kernels/ops.h round_bf16.
//   * FP8 activation quantisation before every FP8 / FP4 linear (`linear` -> `act_quant(x, 128,
//     scale_fmt)` -> fp8_gemm / fp4_gemm, bf16 output) — except wo_a, which the reference
//     dequantises to bf16 and runs as a bf16 einsum (REPORT trap 9): linear_official().
//   * FP8 simulation of the nope dims of every KV entry (window kv and compressed entries,
//     `act_quant(kv[..., :-rd], 64, scale_fmt, inplace=True)`): kv_nope_fp8_sim().
//   * FP4 simulation of the indexer's q and compressed keys after the Hadamard rotation
//     (`fp4_act_quant(x, 32, inplace=True)`): fp4_act_qdq(), or as codes (kernels/fp4_index.h:
//     the indexer keys kept as 4-bit codes, the scores in integer arithmetic).
// Source: DeepSeek-V4 inference/kernel.py `act_quant_kernel`, `fp4_quant_kernel`,
// `fast_round_scale`; inference/model.py `linear`, `Attention.forward`, `Compressor.forward`,
// `Indexer.forward`; oracle-v4 REPORT.md trap 18.
#pragma once
#include <cstdint>

#include "kernels/fp4_index.h"  // e2m1_round, fp4_quantize_row
#include "kernels/matrix.h"

namespace dseek {

inline constexpr int64_t kActBlockV4 = 128;   // act_quant before the FP8 / FP4 GEMMs
inline constexpr int64_t kKvNopeBlockV4 = 64; // FP8 simulation of the KV entries' nope dims

// kernel.py `fp4_act_quant(x, 32, inplace=True)` on `rows` rows of n values: per block of 32
// values amax = max|x| floored at 6 * 2^-126, scale
// s = 2^ceil(log2(amax * fp32(1/6))) (`fast_round_scale`: a power of two, E8M0), x <- bf16(e2m1(
// clamp(x / s, -6, 6)) * s) (exact: fp4_value(fp4_quantize_row's codes)). An all-zero block
// stays zero. Blocks of kFp4Block = 32 (a shorter last block when 32 does not divide n).
void fp4_act_qdq(float* x, int64_t rows, int64_t n);

// kernel.py `act_quant(x[..., :nope], 64, scale_fmt, inplace=True)` on the first `nope` values of
// each of `rows` rows of `dim` values (the KV entries' non-RoPE dims): per block of 64, amax
// floored at 1e-4, s = amax * fp32(1/448) (rounded up to a power of two when pow2_scale, i.e.
// scale_fmt "ue8m0"), x <- bf16(e4m3(clamp(x / s, -448, 448)) * s). The rope dims are untouched.
void kv_nope_fp8_sim(float* x, int64_t rows, int64_t dim, int64_t nope, bool pow2_scale);

// model.py `linear(x, W)` in the official numerics: for an F8_E4M3 or F4_E2M1 weight the input
// rows are FP8-quantised per 1x128 block (`act_quant(x, 128, scale_fmt)`, kernels/act_quant.h;
// x itself is not changed), the product accumulated in fp32; for any other dtype (bf16 weights,
// wo_a after the reference's bf16 conversion) the input is used as it is. The output is rounded to
// bf16 (fp8_gemm / fp4_gemm / F.linear write the default dtype bf16). Rows [r0, r0 + n) of W as
// linear_v4.
void linear_official(const float* x, int64_t T, const Matrix& W, float* y, bool pow2_scale, int64_t r0 = 0,
                     int64_t n = -1);

// The per-head RMS normalisation of q without weight in bf16 arithmetic, as model.py writes it on
// a bf16 tensor: `q *= rsqrt(q.square().mean(-1) + eps)` — each square rounded to bf16, their mean
// (fp32 accumulation) rounded to bf16, + eps rounded, rsqrt rounded, each product rounded.
void rms_rows_bf16(float* x, int64_t rows, int64_t n, double eps);

}  // namespace dseek
