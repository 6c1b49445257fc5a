// Splitting the output into parts the way llama-gguf-split does: tensors in order, a new part
// when the next tensor's (32-byte padded) data would push the current part past the byte
// limit, or every N tensors. Part files are PREFIX-00001-of-0000N.gguf (PREFIX = the output
// path without ".gguf"); part 1 carries all metadata plus split.no / split.count /
// split.tensors.count, the other parts only those three keys.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace dseek {

// Part index (0-based) of each tensor, given the tensors' data sizes. max_bytes 0 and
// max_tensors 0: one part. A tensor larger than max_bytes gets a part of its own.
std::vector<int> split_tensors(const std::vector<uint64_t>& tensor_bytes, uint64_t max_bytes, int max_tensors);

// The file of each part: `out` itself for one part, else llama-gguf-split's names.
std::vector<std::string> split_paths(const std::string& out, int parts);

// "50G", "500M", "1.5T", "123456": bytes. K/M/G/T are powers of 1000, as llama-gguf-split
// reads --split-max-size. Throws dseek::Error quoting the value.
uint64_t parse_split_size(const std::string& s);

}  // namespace dseek
