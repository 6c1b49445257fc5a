// Element-wise and per-row operations of the DeepSeek-V3.2 forward pass, fp32.
#pragma once
#include <cstdint>
#include <vector>

namespace dseek {

// y = w * x / sqrt(mean(x^2) + eps), per row of n values. x: [T, n]; w: [n]. In-place allowed.
// Source: RMSNorm, DeepSeek-V3 model.py `RMSNorm`.
void rmsnorm(const float* x, int64_t T, int64_t n, const float* w, float eps, float* y);

// LayerNorm with bias (indexer k_norm): y = (x - mean) / sqrt(var + eps) * w + b.
void layernorm(const float* x, int64_t T, int64_t n, const float* w, const float* b, float eps,
               float* y);

// In-place softmax over n values (entries equal to -inf get probability 0).
void softmax(float* x, int64_t n);

// silu(g) * u, element-wise, into g.
void swiglu(float* g, const float* u, int64_t n);

// Rounds n values to bf16 in place (official numerics' materialisation points).
void round_bf16(float* x, int64_t n);

// Walsh-Hadamard transform of each row of n (a power of two) values, Sylvester order
// (butterflies on pairs j, j + h), scaled by n^-0.5 — the indexer's rotation
// (DeepSeek-V3.2 `rotate_activation`).
void hadamard(float* x, int64_t T, int64_t n);

// Indices of the k largest values among v[0..n), ties broken toward the lower index
// (the oracle's stable sort), returned in ascending index order. k >= n returns all.
std::vector<int32_t> topk_indices(const float* v, int64_t n, int64_t k);

// Indices of the k largest values in order of preference (value desc, index asc).
std::vector<int32_t> topk_ordered(const float* v, int64_t n, int64_t k);

}  // namespace dseek
