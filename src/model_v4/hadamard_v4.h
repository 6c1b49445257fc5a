// The rotation DeepSeek-V4's lightning indexer applies to its compressed keys and its queries
// (after RoPE): the normalised Walsh-Hadamard transform y = x H / sqrt(n), H in Sylvester order
// (H_1 = [1], H_2m = [[H_m, H_m], [H_m, -H_m]]). H is orthonormal and applied to both sides, so it
// cancels in q . k in exact arithmetic; it matters where the official numerics round q and k to
// FP4 after it. Source: oracle-v4 dsv4_ref.py `hadamard`, `comp_finish`, `index_scores`; REPORT.md
// trap 4. The butterflies are kernels/ops.h `hadamard` (the same transform as V3.2's indexer).
#pragma once
#include <cstdint>

namespace dseek {

// Rotates, in place, each of `rows` contiguous vectors of `n` fp32 values (n = index_head_dim).
// Throws dseek::Error when n is not a power of two.
void indexer_hadamard(float* x, int64_t rows, int64_t n);

}  // namespace dseek
