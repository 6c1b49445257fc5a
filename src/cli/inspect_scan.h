// `dseek inspect --scan`: every tensor of a checkpoint read once, looking for NaN / Inf in the
// stored weights (kernels/quant/scan_finite.h: elements of float types, NaN codes of FP8 and
// E8M0, the fp16 scales of ggml blocks). Works on any checkpoint dseek opens: a safetensors
// directory (V3.x or V4; config.json not needed) or a GGUF file / split set (GGUF names).
#pragma once
#include "cli/commands.h"

namespace dseek::cli {

// Prints one line per tensor holding non-finite values (name, dtype, shape, count, first
// element or block) and a summary (tensors, bytes, time), with a progress bar on a terminal;
// a.json: one JSON object instead. Returns 0 when every value is finite, 1 otherwise.
// Throws dseek::Error naming the file for a checkpoint that does not open.
int inspect_scan(const InspectArgs& a);

}  // namespace dseek::cli
