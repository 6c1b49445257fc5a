// fp32 rows of a planned GGUF tensor, read from the Hugging Face checkpoint: FP8 weights
// with their 128x128 block scales applied, BF16 / F16 / F32 as they are (Matrix::row). The
// checkpoint stays mmap'd; nothing is copied beyond the rows asked for.
#pragma once
#include <cstdint>
#include <vector>

#include "convert/gguf_layout.h"
#include "kernels/matrix.h"
#include "weights/checkpoint.h"

namespace dseek {

class TensorSource {
 public:
  // Binds t.sources in ck. Throws dseek::Error "DIR: missing tensor 'NAME' (for GGUF
  // tensor G)" for a missing HF tensor or FP8 scale, and names the tensor for a shape that
  // does not fit the plan or a dtype that is not F8_E4M3 / BF16 / F16 / F32.
  TensorSource(const Checkpoint& ck, const GgufTensorPlan& t);

  // Rows [r0, r0 + n) of the GGUF tensor (numpy shape flattened to [rows, cols]) into
  // out[n * cols]. Thread-safe (no shared scratch).
  void rows(int64_t r0, int64_t n, float* out) const;

  // Rows that share source decoding (attn_k_b: a head's kv_lora rows come from one block of
  // kv_b_proj); callers split work at multiples of this.
  int64_t row_group() const { return kind_ == SourceKind::KvbK ? kv_lora_ : 1; }

 private:
  SourceKind kind_;
  std::vector<Matrix> m_;  // one per source (experts), else one
  int64_t cols_ = 0, out_rows_ = 0;          // ExpertStack: rows of one expert
  int64_t nope_ = 0, v_ = 0, kv_lora_ = 0;   // kv_b_proj split
};

}  // namespace dseek
