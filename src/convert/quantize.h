// `dseek quantize`: a Hugging Face DeepSeek checkpoint (FP8 / BF16 safetensors) -> a GGUF
// that llama.cpp loads, quantised tensor by tensor.
//
// plan_quantize decides everything up front (tensor list and types, metadata, tokenizer,
// split) and checks every source tensor, so bad input fails before any byte is written.
// write_quantized then streams: one tensor at a time, rows dequantised to fp32 and
// re-quantised in parallel (OpenMP) in slabs of at most one expert / 32 MiB of output, so
// memory stays a few slabs whatever the model size. Every part is written as PATH.tmp and
// renamed only when all parts are complete; on any error nothing is left behind.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "convert/file_type.h"
#include "convert/gguf_layout.h"
#include "convert/gguf_metadata.h"
#include "weights/checkpoint.h"

namespace dseek {

struct QuantizeOptions {
  std::string out;                        // OUT.gguf (split: OUT-0000i-of-0000N.gguf)
  FileType type = FileType::Q8_0;
  std::vector<std::string> tensor_types;  // "REGEX=TYPE", first match wins
  uint64_t split_max_bytes = 0;           // 0: no size limit a part
  int split_max_tensors = 0;              // 0: no tensor limit a part
  bool no_vocab = false;                  // allow a checkpoint without tokenizer.json
  std::string name;                       // general.name; empty: the checkpoint directory's name
  bool check_output_dir = true;           // false for a dry run
};

struct QuantizePlan {
  FileType type = FileType::Q8_0;
  GgufLayout layout;                    // tensors with their chosen types
  std::vector<GgufKv> metadata;         // part 1's keys, without split.*
  std::vector<int> part;                // part of each tensor (0-based)
  std::vector<std::string> paths;       // one per part
  std::vector<uint64_t> file_bytes;     // exact size of each part
  // --tensor-type overrides that set no tensor's type and tensors whose type fell back to a
  // 32-element block type, one line each (choose_tensor_types; no "warning: " prefix).
  std::vector<std::string> warnings;

  uint64_t data_bytes() const;          // tensor data, unpadded
  uint64_t total_file_bytes() const;
  int64_t params() const;
};

// Plans the conversion of `ck` (a safetensors checkpoint). Throws dseek::Error naming the
// value, file or tensor at fault: unknown --tensor-type, a type dseek cannot write (one that
// needs an imatrix), a missing / misshapen source tensor, no tokenizer.json without
// no_vocab, an output directory that does not exist or is not writable.
QuantizePlan plan_quantize(const Checkpoint& ck, const QuantizeOptions& o);

// The dry-run report: per tensor class its tensors, parameters, bytes, bits a weight and
// types; totals; the files and their exact sizes; the plan's warnings ("warning: ..." lines).
void print_plan(const QuantizePlan& p, const std::string& source, std::ostream& out);

struct QuantizeResult {
  uint64_t bytes = 0;  // all parts together
  double seconds = 0;
};

// Writes the plan's parts. progress: where the progress goes (nullptr: silent); tty: draw a
// bar instead of a line every 5 %. Throws dseek::Error (naming the file for I/O errors such
// as a full disk); then no output file or temp file remains.
QuantizeResult write_quantized(const Checkpoint& ck, const QuantizePlan& p, std::ostream* progress, bool tty);

}  // namespace dseek
