// The compressor of DeepSeek-V4's CSA / HCA layers (and of the CSA lightning indexer's keys):
// every `ratio` consecutive tokens become one entry by a learned gated pooling —
//   a_t = wkv x_t, g_t = wgate x_t + ape[t mod ratio]          (rows of `width` channels)
//   entry_j[ch] = sum_s softmax_s(g[s][ch]) a[s][ch]           (softmax per channel over slots)
// over the block's ratio slots (HCA), or for ratio 4 (CSA, overlapping) over 2 * ratio slots: the
// previous block's first `dim` channels and this block's last `dim` channels. The pooled entry is
// RMS-normed (norm weight), rotated by RoPE at position j * ratio and, for the indexer, by the
// normalised Hadamard transform. Entry j is complete after token j * ratio + ratio - 1.
// Source: oracle-v4 dsv4_ref.py `comp_rows`, `pool`, `comp_finish`, `compress_step`; REPORT.md
// traps 3 and 4.
#pragma once
#include <cstdint>
#include <vector>

#include "model_v4/config_v4.h"
#include "model_v4/rope_v4.h"
#include "model_v4/state_v4.h"
#include "model_v4/weights_v4.h"

namespace dseek {

// Feeds tokens x [T, hidden] fp32 at positions pos0 .. pos0 + T - 1 (continuing st) and appends
// each entry they complete to `entries` ([n, w.dim] fp32, row j = entry j). rotate: apply the
// indexer's Hadamard. Returns the number of entries appended.
// official: the reference's numerics for a finished entry (the pooling itself runs in fp32 as in
// model.py): pooled entry rounded to bf16, norm and RoPE outputs bf16; then, rotate (indexer):
// Hadamard output bf16 and FP4 simulation per 32; else FP8 simulation of the nope dims per 64.
// fp4 (official, rotate): the FP4-simulated entries go to *fp4 as codes instead of `entries`.
int64_t compress_step(const ConfigV4& c, const CompressorWeightsV4& w, const RopeV4& rope, bool rotate,
                      CompressorStateV4& st, const float* x, int64_t T, int64_t pos0, std::vector<float>& entries,
                      bool official = false, Fp4Keys* fp4 = nullptr);

}  // namespace dseek
