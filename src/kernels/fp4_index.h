// The lightning indexer's FP4 arithmetic (DeepSeek-V4 `official` numerics). After the Hadamard,
// the indexer's q and keys are FP4-simulated: e2m1 values times one power-of-two (E8M0) scale
// per 32 values. Twice an e2m1 value is an integer in [-12, 12], so a 32-value block's q . k is
// exact in int8 x int8 -> int32, and only the block's two scales are floating point. Keys are
// kept as 4-bit codes + one scale byte per 32 values (68 bytes a 128-dim key, fp32: 512).
//
// Key store (Fp4Keys): keys in groups of kFp4Group = 16, one record a group —
//   codes: for block b (32 dims), step p (dims 8p .. 8p+7 of the block), key l, byte i < 4:
//          byte ((b * 4 + p) * 16 + l) * 4 + i holds dim b*32 + 8p + i in its low nibble and
//          dim b*32 + 8p + 4 + i in its high nibble (so one step's 64 bytes are two vectors of
//          16 keys x 4 consecutive dims: a VNNI operand each once the nibbles are looked up);
//   exps:  byte dim * 8 + b * 16 + l: key l's E8M0 scale exponent of block b.
// Nibble: bit 3 sign, bits 0-2 the e2m1 magnitude index (0, 0.5, 1, 1.5, 2, 3, 4, 6); unused
// slots of the last group are zero codes with scale 2^0.
// Source: DeepSeek-V4 inference/kernel.py `fp4_quant_kernel`, `fast_round_scale` (the scale is
// 2^ceil(log2(amax / 6)): always a power of two), model.py `Indexer.forward`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dseek {

inline constexpr int64_t kFp4Block = 32;  // values a scale
inline constexpr int64_t kFp4Group = 16;  // keys a record of the key store

// Rounds a value to the nearest FP4 e2m1 value (0, 0.5, 1, 1.5, 2, 3, 4, 6 and negatives), ties
// to even (the even mantissa: 0.25 -> 0, 0.75 -> 1, 1.25 -> 1, 2.5 -> 2, 5 -> 4), saturating at
// +-6; -0 for negative values that round to 0. CUDA's round-to-nearest satfinite e2m1 cast.
float e2m1_round(float v);

// kernel.py `fp4_act_quant(x, 32)` on one row of n values (n a multiple of 32), as codes: per
// block b, amax = max|x| floored at 6 * 2^-126, scale s = 2^ceil(log2(amax * fp32(1/6))),
// code2[i] = 2 * e2m1_round(clamp(x[i] / s, -6, 6)) (an integer in [-12, 12]; the sign of a
// -0 is not kept), exps[b] = log2(s) + 127 (E8M0, 1 .. 254; non-finite input is clamped there).
// The simulated value is fp4_value(code2, exps[b]).
void fp4_quantize_row(const float* x, int64_t n, int8_t* code2, uint8_t* exps);

// The value of code2 (2 x e2m1, in [-12, 12]) at E8M0 exponent e: code2 * 2^(e - 128), exact in
// fp32 (and bf16).
float fp4_value(int8_t code2, uint8_t e);

// The indexer keys of one CSA layer in the layout above. Append-only (keys are compressed
// entries: one every `ratio` tokens); entry j is key j.
class Fp4Keys {
 public:
  explicit Fp4Keys(int64_t dim = 0);  // dim: a positive multiple of 32, or 0 (no keys)

  int64_t dim() const { return dim_; }
  int64_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  // Bytes of one group record (of keys of `dim` values) / held for the keys now (whole records).
  static int64_t record_bytes(int64_t dim) { return dim * 8 + dim / kFp4Block * kFp4Group; }
  int64_t group_bytes() const { return record_bytes(dim_); }
  size_t bytes() const { return data_.size(); }
  const uint8_t* group(int64_t g) const { return data_.data() + g * group_bytes(); }

  // Appends x (dim values) FP4-quantised by fp4_quantize_row.
  void append_quantized(const float* x);
  // Appends one key given as codes (dim values of 2 x e2m1) and dim / 32 E8M0 exponents.
  // Throws dseek::Error (the store unchanged) for a code off the grid or an exponent 0 or 255.
  void append(const int8_t* code2, const uint8_t* exps);
  // Key j as values (the FP4-simulated floats), as codes + exponents.
  void decode(int64_t j, float* out) const;
  void codes(int64_t j, int8_t* code2, uint8_t* exps) const;
  // The raw records (session files): n keys in ceil(n / 16) records of group_bytes().
  const std::vector<uint8_t>& records() const { return data_; }
  // Replaces the store by n keys given as records; throws dseek::Error when the byte count
  // is not ceil(n / 16) records, an exponent is 0 or 255 or a slot past n holds a code.
  void assign_records(int64_t n, std::vector<uint8_t> records);
  void reserve(int64_t n);
  void clear() { data_.clear(), n_ = 0; }

 private:
  int64_t dim_ = 0, n_ = 0;
  std::vector<uint8_t> data_;
};

// The official indexer score of keys [j0, j1) for one token's heads (q: heads x keys.dim()
// codes, q_exps: heads x dim / 32 exponents, w: the heads' weights):
//   dot_h(j) = sum over blocks b in order, in fp32, of float(idot_b) * (s_k * s_q / 4)
//              (idot_b: the int32 dot of the two blocks' 2 x e2m1 codes; s: the E8M0 scales)
//   out[j - j0] = bf16(sum over heads h in order, in fp32, of bf16(w[h] * max(bf16(dot_h(j)), 0)))
// i.e. model.py Indexer's bf16 einsum, relu, bf16 product with the weights and bf16 head sum,
// with each block's products summed exactly. SIMD (AVX-512 VNNI, AVX-512BW, AVX2, SSSE3: the
// int8 products by vpdpbusd / vpmaddubsw) with run-time dispatch; other targets run
// fp4_index_scores_ref. Every target gives fp4_index_scores_ref's floats bit for bit.
// Throws dseek::Error when j0 > j1, j1 > keys.size() or heads < 1.
void fp4_index_scores(const Fp4Keys& keys, int64_t j0, int64_t j1, const int8_t* q, const uint8_t* q_exps,
                      int64_t heads, const float* w, float* out);

// The scalar definition of fp4_index_scores (same arguments, same floats).
void fp4_index_scores_ref(const Fp4Keys& keys, int64_t j0, int64_t j1, const int8_t* q, const uint8_t* q_exps,
                          int64_t heads, const float* w, float* out);

}  // namespace dseek
