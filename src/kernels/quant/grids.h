// Format constants of ggml's IQ types (ggml-common.h): the lattice grids the IQ2_XXS, IQ3_XXS
// and IQ1_S codes index, the sign patterns of IQ2/IQ3, and the IQ4_NL / IQ4_XS value table.
// Their values define the formats (a file written by llama.cpp decodes only with these).
#pragma once
#include <cstdint>

namespace dseek::quant {

// IQ4_NL / IQ4_XS: the 16 non-linear levels a 4-bit code stands for.
inline constexpr int8_t kvalues_iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                             1,    13,   25,  38,  53,  69,  89,  113};

// IQ2_XXS / IQ3_XXS signs: 7 stored sign bits of a group of 8, the 8th bit making the number
// of minus signs even (ksigns_iq2xs[i] = i | parity(i) << 7). Bit j negates element j.
constexpr uint8_t ksigns_entry(int i) {
  int p = 0;
  for (int b = 0; b < 7; ++b) p ^= (i >> b) & 1;
  return static_cast<uint8_t>(i | (p << 7));
}
struct SignTable {
  uint8_t v[128];
  constexpr SignTable() : v{} {
    for (int i = 0; i < 128; ++i) v[i] = ksigns_entry(i);
  }
};
inline constexpr SignTable kSignTable{};
inline constexpr const uint8_t* ksigns_iq2xs = kSignTable.v;
inline constexpr uint8_t kmask_iq2xs[8] = {1, 2, 4, 8, 16, 32, 64, 128};

// IQ2_XXS: 256 points of the E8 lattice (8 bytes each, element j in byte j; values 8, 25, 43).
extern const uint64_t iq2xxs_grid[256];
// IQ3_XXS: 256 points (4 bytes each, element j in byte j; values 4 .. 62).
extern const uint32_t iq3xxs_grid[256];
// IQ1_S: 2048 points (8 int8 each, values -1, 0, 1); IQ1S_DELTA is the shift of a group.
extern const uint64_t iq1s_grid[2048];
inline constexpr float IQ1S_DELTA = 0.125f;

// The IQ2_XXS and IQ3_XXS grids as fp32 (v[i][j] = byte j of point i), for SIMD decoders
// that load a point's magnitudes as one vector (8 KiB and 4 KiB: they stay in L1).
template <int kPoints, int kWidth>
struct alignas(64) GridF32 {
  float v[kPoints][kWidth];
};
extern const GridF32<256, 8> iq2xxs_grid_f32;
extern const GridF32<256, 4> iq3xxs_grid_f32;

}  // namespace dseek::quant
