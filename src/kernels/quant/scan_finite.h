// Non-finite values (NaN, Inf) in stored weights, found from the bits as stored — what
// `dseek inspect --scan` reports by tensor. A corrupted download or a broken conversion
// shows up here instead of as NaN logits many layers later.
//
// Where a non-finite value can sit, per storage type:
//   F32 / F16 / BF16: any element whose exponent bits are all ones;
//   F8_E4M3 (e4m3fn): the NaN codes 0x7F / 0xFF (e4m3fn has no Inf);
//   F8_E8M0 (scales): 0xFF (NaN);
//   F4_E2M1: none (every code is finite);
//   ggml block types: their fp16 scale fields (d, and dmin where the type has one) — the
//   integer codes and the IQ grids are finite by construction.
// Integer and bool tensors have none.
#pragma once
#include <cstddef>
#include <cstdint>

#include "weights/dtype.h"

namespace dseek {

struct NonFinite {
  int64_t count = 0;   // non-finite elements (block types: scale fields)
  int64_t first = -1;  // index of the first one: element, or block for the block types
};

// Scans `nbytes` bytes of data stored as `t` (whole elements / blocks). Multithreaded (OpenMP)
// over large tensors; a pure function of the bytes.
NonFinite scan_nonfinite(DType t, const uint8_t* data, size_t nbytes);

}  // namespace dseek
