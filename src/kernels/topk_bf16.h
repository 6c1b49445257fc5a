// Top-k of bf16-valued scores (the official numerics' indexer scores are rounded to bf16): a
// histogram of the 2^16 bf16 bit patterns finds the k-th value in one pass over the scores and
// a second pass collects the ids — O(n), where a comparison selection (ops.h topk_indices) does
// ~n log-ish random probes (at 1M tokens a CSA layer ranks 256 K scores a token).
#pragma once
#include <cstdint>
#include <vector>

namespace dseek {

// The same ids as topk_indices(v, n, k) — the k largest values, ties toward the lower index,
// returned in ascending index order; k >= n returns all — for finite values that are exactly
// bf16 (low 16 bits of the fp32 pattern zero; -0 ranks as +0). Any other input falls back to
// topk_indices.
std::vector<int32_t> topk_bf16(const float* v, int64_t n, int64_t k);

}  // namespace dseek
