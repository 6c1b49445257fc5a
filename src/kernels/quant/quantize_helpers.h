// Internals of the ggml block quantizers (quantize_*.cc): fp16 rounding, ggml's integer
// rounding, the scale searches of ggml-quants.c (make_qx_quants, make_q3_quants,
// make_qkx2_quants, make_qkx3_quants, make_qp_quants) and the IQ4 value search.
//
// Everything here reproduces ggml's float arithmetic operation for operation (same operand
// order, no FMA contraction: GCC contracts nothing in ISO C++ mode, and each quantize*.cc
// turns Clang's default contraction off with DSEEK_QZ_NO_CONTRACT), so that the quantizers
// choose exactly ggml's codes. Blocks are written byte by byte at the field offsets of
// blocks.h's structs (offsetof), never through struct pointers: dst has no alignment guarantee.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/quant/blocks.h"
#include "kernels/quant/grids.h"

#if defined(__clang__)
#define DSEEK_QZ_NO_CONTRACT _Pragma("clang fp contract(off)")
#else
#define DSEEK_QZ_NO_CONTRACT
#endif

namespace dseek::qz {

using quant::kQK;                   // legacy / IQ4_NL block (32)
constexpr int kQKK = quant::kQK_K;  // K-quant / IQ4_XS super-block (256)

// fp32 -> fp16 bits, round to nearest even; overflow -> inf, NaN -> 0x7e00 (as ggml's
// GGML_FP32_TO_FP16 and the F16C instruction _cvtss_sh(x, 0)).
inline uint16_t fp32_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  x &= 0x7fffffffu;
  if (x > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);
  if (x >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520: inf
  if (x < 0x38800000u) {  // below 2^-14: a half subnormal; 0.5 + a rounds a to 2^-24 units
    float a;
    std::memcpy(&a, &x, 4);
    const float t = a + 0.5f;
    uint32_t tb;
    std::memcpy(&tb, &t, 4);
    return static_cast<uint16_t>(sign | (tb - 0x3f000000u));
  }
  const uint32_t odd = (x >> 13) & 1u;
  x += 0xc8000fffu + odd;  // exponent bias 127 -> 15, round half to even
  return static_cast<uint16_t>(sign | (x >> 13));
}

using quant::fp16_to_f32;
using quant::load_u16;

// ggml's nearest_int: round half to even for |f| <= 2^22 (adds 1.5 * 2^23 and reads the
// mantissa), the rounding every K-quant search uses.
inline int nearest_int(float f) {
  const float v = f + 12582912.f;
  int32_t i;
  std::memcpy(&i, &v, 4);
  return (i & 0x007fffff) - 0x00400000;
}

inline void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

// Groups whose largest magnitude is below this quantise to zero (ggml's GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

// Symmetric codes in [0, 2*nmax) (code - nmax = level) for n values and the scale, ggml's
// make_qx_quants. rmse_type 0: plain max scaling; 1..4: weights x^2, 1, |x|, sqrt|x| (or qw
// when given) and a +-0.9 search around nmax; negative: one refinement, no search.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L, int rmse_type, const float* qw);

// Q3_K's reference search (make_q3_quants): codes in [0, 2*nmax), x^2-weighted coordinate
// refinement when do_rmse.
float make_q3_quants(int n, int nmax, const float* x, int8_t* L, bool do_rmse);

// Asymmetric codes in [0, nmax] with scale (returned) and *the_min (= -offset, >= 0), ggml's
// make_qkx2_quants: a search of nstep+1 inverse scales from nmax + rmin in steps of rdelta,
// each refitted by weighted least squares. weights must be given.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep,
                       bool use_mad);

// make_qkx3_quants: as make_qkx2_quants; weights nullptr means x^2.
float make_qkx3_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* the_min, uint8_t* Laux, float rmin, float rdelta, int nstep,
                       bool use_mad);

// Non-negative codes in [0, nmax] for n non-negative values (the sub-block scales of the
// importance-weighted K-quants), ggml's make_qp_quants.
float make_qp_quants(int n, int nmax, const float* x, uint8_t* L, const float* quant_weights);

// Index of the level of quant::kvalues_iq4nl nearest x (ties to the upper level), ggml's
// best_index_int8(16, kvalues_iq4nl, x).
int best_index_iq4nl(float x);

// One IQ4 super-block of super_size (32: IQ4_NL, 256: IQ4_XS) values in 32-element blocks,
// ggml's quantize_row_iq4_nl_impl. Writes the fp16 super scale to d16, the packed nibbles
// (super_size/2 bytes) to q4, and for 256 the 6-bit block scales to *scales_h / scales_l.
// qw: importance of these super_size values or nullptr (weights x^2). ntry: the scale
// search half-width (7 for llama-quantize; -1 is quantize_row_iq4_nl_ref's variant).
void quantize_iq4_superblock(int super_size, const float* x, const float* qw, int ntry,
                             uint16_t* d16, uint8_t* q4, uint16_t* scales_h, uint8_t* scales_l);

// Row quantizers of each family: n values (a multiple of the block), importance per value or
// nullptr. The importance paths use statistics of the whole row (as ggml's quantize_*_impl,
// which see one row at a time), so call them with whole rows.
void quantize_q8_0(const float* x, uint8_t* dst, int64_t n);
void quantize_q4_0(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_q4_1(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_q5_0(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_q5_1(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_iq4_nl(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_iq4_xs(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_q2_k(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_q3_k(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_q4_k(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_q5_k(const float* x, uint8_t* dst, int64_t n, const float* imp);
void quantize_q6_k(const float* x, uint8_t* dst, int64_t n, const float* imp);

}  // namespace dseek::qz
