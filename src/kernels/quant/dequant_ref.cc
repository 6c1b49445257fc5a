// Scalar dequantisation of ggml's block types, written to give exactly the floats ggml's C
// `to_float` (dequantize_row_*) gives: the same operations in the same order. Most products
// here are exact in fp32 (an fp16 scale times a few-bit integer), so the one rounding of each
// value is the same whatever the evaluation order; Q6_K's d * sc * q is kept in ggml's order
// anyway. The SIMD decoders (dequant-inl.h) are tested against these.
#include <cstring>
#include <string>

#include "kernels/numeric.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/grids.h"
#include "kernels/quant/quant.h"
#include "runtime/error.h"

namespace dseek {
namespace {

using namespace quant;

void q4_0(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = ((qs[j] & 0x0F) - 8) * d;
    y[j + 16] = ((qs[j] >> 4) - 8) * d;
  }
}

void q4_1(const uint8_t* b, float* y) {
  const float d = load_f16(b), m = load_f16(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = (qs[j] & 0x0F) * d + m;
    y[j + 16] = (qs[j] >> 4) * d + m;
  }
}

void q5_0(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const uint32_t qh = load_u32(b + 2);
  const uint8_t* qs = b + 6;
  for (int j = 0; j < 16; ++j) {
    const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
    y[j] = (((qs[j] & 0x0F) | h0) - 16) * d;
    y[j + 16] = (((qs[j] >> 4) | h1) - 16) * d;
  }
}

void q5_1(const uint8_t* b, float* y) {
  const float d = load_f16(b), m = load_f16(b + 2);
  const uint32_t qh = load_u32(b + 4);
  const uint8_t* qs = b + 8;
  for (int j = 0; j < 16; ++j) {
    const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
    y[j] = ((qs[j] & 0x0F) | h0) * d + m;
    y[j + 16] = ((qs[j] >> 4) | h1) * d + m;
  }
}

void q8_0(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int j = 0; j < 32; ++j) y[j] = qs[j] * d;
}

void q2_k(const uint8_t* b, float* y) {
  const float d = load_f16(b + off::kQ2K_d), dmin = load_f16(b + off::kQ2K_dmin);
  const uint8_t* sc = b;
  const uint8_t* q = b + 16;
  int is = 0;
  for (int n = 0; n < 256; n += 128, q += 32)
    for (int shift = 0; shift < 8; shift += 2)
      for (int half = 0; half < 2; ++half) {
        const uint8_t s = sc[is++];
        const float dl = d * (s & 0xF), ml = dmin * (s >> 4);
        for (int l = 0; l < 16; ++l) *y++ = dl * ((q[l + 16 * half] >> shift) & 3) - ml;
      }
}

void q3_k(const uint8_t* b, float* y) {
  const float d = load_f16(b + off::kQ3K_d);
  int8_t scales[16];
  scales_q3k(b + off::kQ3K_scales, scales);
  const uint8_t* hm = b;
  const uint8_t* q = b + 32;
  int is = 0;
  uint8_t m = 1;
  for (int n = 0; n < 256; n += 128, q += 32)
    for (int shift = 0; shift < 8; shift += 2, m <<= 1)
      for (int half = 0; half < 2; ++half) {
        const float dl = d * scales[is++];
        for (int l = 16 * half; l < 16 * half + 16; ++l)
          *y++ = dl * (((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
      }
}

// Q4_K and Q5_K share the 6-bit scales; Q5_K adds a high bit from qh.
template <bool k5>
void q45_k(const uint8_t* b, float* y) {
  const float d = load_f16(b), dmin = load_f16(b + 2);
  const uint8_t* scales = b + 4;
  const uint8_t* qh = b + off::kQ5K_qh;
  const uint8_t* q = b + (k5 ? off::kQ5K_qs : 16);
  uint8_t u1 = 1, u2 = 2;
  for (int j = 0; j < 8; j += 2, q += 32, u1 <<= 2, u2 <<= 2) {
    uint8_t sc, m;
    scale_min_k4(j, scales, &sc, &m);
    const float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(j + 1, scales, &sc, &m);
    const float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) *y++ = d1 * ((q[l] & 0xF) + (k5 && (qh[l] & u1) ? 16 : 0)) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * ((q[l] >> 4) + (k5 && (qh[l] & u2) ? 16 : 0)) - m2;
  }
}

void q6_k(const uint8_t* b, float* y) {
  const float d = load_f16(b + off::kQ6K_d);
  const uint8_t* ql = b;
  const uint8_t* qh = b + off::kQ6K_qh;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + off::kQ6K_scales);
  for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8)
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
}

void iq2_xxs(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  for (int ib = 0; ib < 8; ++ib) {
    const uint8_t* g = b + 2 + 8 * ib;  // 4 grid indices, then 4 x 7 sign bits + 4-bit scale
    const uint32_t s = load_u32(g + 4);
    const float db = d * (0.5f + (s >> 28)) * 0.25f;
    for (int l = 0; l < 4; ++l) {
      const uint64_t grid = iq2xxs_grid[g[l]];
      const uint8_t signs = ksigns_iq2xs[(s >> (7 * l)) & 127];
      for (int j = 0; j < 8; ++j)
        y[j] = db * static_cast<float>((grid >> (8 * j)) & 0xFF) * (signs & kmask_iq2xs[j] ? -1.f : 1.f);
      y += 8;
    }
  }
}

void iq3_xxs(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const uint8_t* qs = b + 2;
  const uint8_t* scales_and_signs = qs + 64;
  for (int ib = 0; ib < 8; ++ib, qs += 8) {
    const uint32_t s = load_u32(scales_and_signs + 4 * ib);
    const float db = d * (0.5f + (s >> 28)) * 0.5f;
    for (int l = 0; l < 4; ++l) {
      const uint8_t signs = ksigns_iq2xs[(s >> (7 * l)) & 127];
      const uint32_t g1 = iq3xxs_grid[qs[2 * l]], g2 = iq3xxs_grid[qs[2 * l + 1]];
      for (int j = 0; j < 4; ++j) {
        y[j] = db * static_cast<float>((g1 >> (8 * j)) & 0xFF) * (signs & kmask_iq2xs[j] ? -1.f : 1.f);
        y[j + 4] = db * static_cast<float>((g2 >> (8 * j)) & 0xFF) * (signs & kmask_iq2xs[j + 4] ? -1.f : 1.f);
      }
      y += 8;
    }
  }
}

void iq1_s(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const uint8_t* qs = b + 2;
  for (int ib = 0; ib < 8; ++ib, qs += 4) {
    const uint16_t qh = load_u16(b + off::kIQ1S_qh + 2 * ib);
    const float dl = d * (2 * ((qh >> 12) & 7) + 1);
    const float delta = qh & 0x8000 ? -IQ1S_DELTA : IQ1S_DELTA;
    for (int l = 0; l < 4; ++l) {
      const uint64_t grid = iq1s_grid[qs[l] | (((qh >> (3 * l)) & 7) << 8)];
      for (int j = 0; j < 8; ++j) y[j] = dl * (static_cast<int8_t>((grid >> (8 * j)) & 0xFF) + delta);
      y += 8;
    }
  }
}

void iq4_nl(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = d * kvalues_iq4nl[qs[j] & 0xF];
    y[j + 16] = d * kvalues_iq4nl[qs[j] >> 4];
  }
}

void iq4_xs(const uint8_t* b, float* y) {
  const float d = load_f16(b);
  const uint16_t scales_h = load_u16(b + 2);
  const uint8_t* scales_l = b + 4;
  const uint8_t* qs = b + 8;
  for (int ib = 0; ib < 8; ++ib, y += 32, qs += 16) {
    const int ls = ((scales_l[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((scales_h >> (2 * ib)) & 3) << 4);
    const float dl = d * (ls - 32);
    for (int j = 0; j < 16; ++j) {
      y[j] = dl * kvalues_iq4nl[qs[j] & 0xF];
      y[j + 16] = dl * kvalues_iq4nl[qs[j] >> 4];
    }
  }
}

using BlockFn = void (*)(const uint8_t*, float*);

BlockFn block_fn(DType t) {
  switch (t) {
    case DType::Q4_0: return q4_0;
    case DType::Q4_1: return q4_1;
    case DType::Q5_0: return q5_0;
    case DType::Q5_1: return q5_1;
    case DType::Q8_0: return q8_0;
    case DType::Q2_K: return q2_k;
    case DType::Q3_K: return q3_k;
    case DType::Q4_K: return q45_k<false>;
    case DType::Q5_K: return q45_k<true>;
    case DType::Q6_K: return q6_k;
    case DType::IQ2_XXS: return iq2_xxs;
    case DType::IQ3_XXS: return iq3_xxs;
    case DType::IQ1_S: return iq1_s;
    case DType::IQ4_NL: return iq4_nl;
    case DType::IQ4_XS: return iq4_xs;
    default: return nullptr;
  }
}

}  // namespace

void dequant_row_ref(DType t, const uint8_t* src, float* dst, int64_t n) {
  switch (t) {
    case DType::F32:
      std::memcpy(dst, src, static_cast<size_t>(n) * 4);
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) dst[i] = quant::load_f16(src + 2 * i);
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(quant::load_u16(src + 2 * i));
      return;
    default: break;
  }
  const BlockFn fn = block_fn(t);
  if (!fn) throw Error("dequant_row_ref: " + std::string(dtype_name(t)) + " is not a ggml block or float type");
  const int64_t be = dtype_block_elems(t), bb = static_cast<int64_t>(dtype_block_bytes(t));
  if (n % be != 0)
    throw Error("dequant_row_ref: " + std::to_string(n) + " elements is not a whole number of " +
                std::string(dtype_name(t)) + " blocks");
  for (int64_t i = 0; i < n / be; ++i) fn(src + i * bb, dst + i * be);
}

}  // namespace dseek
